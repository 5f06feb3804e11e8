-- KOS reference schema: the tables of a carrier's order and activation
-- system that the shipped collectors.yaml reads. MySQL 8 / MariaDB 10.11
-- dialect; every statement also runs on go-mysql-server (kos_launchsim).
--
-- Two kinds of tables, and the rule the collectors rely on:
--   * Live tables (activation, mnp_request, insurance_signup, wait_queue,
--     ota_update, ott_postprocess, error_queue) hold work items with their
--     state. Gauges (pending counts, oldest-item ages) read them through the
--     (state, time) indexes, so a query touches only unfinished rows.
--     Finished rows may be pruned after a retention: `finished_at` (or
--     `opening_at`) is indexed for that and is NULL while unfinished.
--   * Daily tables (*_daily) are the running totals the war-room's
--     results table is cut from: one row per day and key, counts only ever
--     incremented. Counters read them (WHERE day = CURDATE()), so pruning
--     live rows never makes a counter drop; they restart at midnight, which
--     Prometheus treats as a counter reset (hourly figures are increase()
--     over 1h). One row per day, not per hour, keeps the tables that are
--     updated every second small.
--   * Call logs (agency_call, product_call): one row per call, never
--     updated; only collectors-live.yaml reads them, for order systems
--     without daily tables. That variant counts since midnight through the
--     covering indexes marked below, time-led (label-led for the call
--     counters; README "What it costs your database" lists them).
-- Times are DATETIME in the database's own time zone, so NOW() and
-- CURDATE() in the collectors compare like with like.
-- State 'abandoned' (every live table): left unfinished by a previous
-- simulator run, closed when kos_launchsim starts again on the database.

-- Operational switches ("references") the team prepares before the day.
CREATE TABLE IF NOT EXISTS ref_switch (
  name        VARCHAR(64)  NOT NULL,
  is_on       TINYINT      NOT NULL DEFAULT 0,
  changed_at  DATETIME     NOT NULL,
  changed_by  VARCHAR(64)  NOT NULL,
  description VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (name)
);

-- Launch reference data per model as applied on the KOS reference screen:
-- when the sponsor subsidy and the device insurance reference were applied
-- (NULL: not yet), and the values applied (subsidy in KRW, the insurance
-- product's code).
CREATE TABLE IF NOT EXISTS ref_model (
  model                VARCHAR(32) NOT NULL,
  subsidy_applied_at   DATETIME    NULL,
  insurance_applied_at DATETIME    NULL,
  subsidy_krw          BIGINT      NULL,
  insurance_product    VARCHAR(32) NULL,
  PRIMARY KEY (model)
);

-- The launch plan's reference values per model, registered before the day:
-- what ref_model must hold once the launch data is brought up to date
-- ("현행화"). The reference_values collector compares the two.
CREATE TABLE IF NOT EXISTS ref_model_plan (
  model             VARCHAR(32) NOT NULL,
  subsidy_krw       BIGINT      NOT NULL,
  insurance_product VARCHAR(32) NOT NULL,
  PRIMARY KEY (model)
);

-- One row per activation request. storage: the model's storage variant
-- (e.g. 256GB). kind: new, port_in, device_change. state: in_progress,
-- completed, failed.
CREATE TABLE IF NOT EXISTS activation (
  id           BIGINT      NOT NULL,
  requested_at DATETIME    NOT NULL,
  model        VARCHAR(32) NOT NULL,
  storage      VARCHAR(8)  NOT NULL DEFAULT '',
  kind         VARCHAR(16) NOT NULL,
  channel      VARCHAR(16) NOT NULL,
  state        VARCHAR(16) NOT NULL,
  finished_at  DATETIME    NULL,
  PRIMARY KEY (id),
  KEY activation_state (state, requested_at),
  -- The live-table collectors (collectors-live.yaml) count since midnight
  -- from these two without reading a row; pruning uses activation_finished.
  KEY activation_requested (requested_at, model, kind, channel),
  KEY activation_finished (finished_at, state, model, kind, channel)
);

-- Activation results of the day: requested counts at request time, completed,
-- failed and insured (device-insurance sign-ups) at completion time;
-- precheck_skipped: the insured ones signed without KAIT's pre-check.
CREATE TABLE IF NOT EXISTS activation_daily (
  day              DATE        NOT NULL,
  model            VARCHAR(32) NOT NULL,
  kind             VARCHAR(16) NOT NULL,
  channel          VARCHAR(16) NOT NULL,
  requested        BIGINT      NOT NULL DEFAULT 0,
  completed        BIGINT      NOT NULL DEFAULT 0,
  failed           BIGINT      NOT NULL DEFAULT 0,
  insured          BIGINT      NOT NULL DEFAULT 0,
  precheck_skipped BIGINT      NOT NULL DEFAULT 0,
  PRIMARY KEY (day, model, kind, channel)
);

-- Number-portability requests. direction: in (port-in, from an activation)
-- or out (port-out). opening_state of the opening message ("개시 전문"):
-- pending, generated, failed; opening_at is when it settled.
CREATE TABLE IF NOT EXISTS mnp_request (
  id            BIGINT      NOT NULL,
  activation_id BIGINT      NULL,
  direction     VARCHAR(8)  NOT NULL,
  other_carrier VARCHAR(16) NOT NULL,
  requested_at  DATETIME    NOT NULL,
  opening_state VARCHAR(16) NOT NULL,
  opening_at    DATETIME    NULL,
  PRIMARY KEY (id),
  KEY mnp_opening_state (opening_state, requested_at),
  KEY mnp_requested (requested_at, direction, other_carrier),
  KEY mnp_opening_at (opening_at, opening_state, direction, other_carrier)
);

CREATE TABLE IF NOT EXISTS mnp_daily (
  day               DATE        NOT NULL,
  direction         VARCHAR(8)  NOT NULL,
  other_carrier     VARCHAR(16) NOT NULL,
  requested         BIGINT      NOT NULL DEFAULT 0,
  opening_generated BIGINT      NOT NULL DEFAULT 0,
  opening_failed    BIGINT      NOT NULL DEFAULT 0,
  PRIMARY KEY (day, direction, other_carrier)
);

-- Outside-agency call statistics kept by the integration layer, one row per
-- day, agency, operation and latency bucket (le: upper bound in seconds,
-- '+Inf' for the rest). result: ok, error (agency returned an error code),
-- timeout (no answer within 3 s).
CREATE TABLE IF NOT EXISTS agency_call_daily (
  day                 DATE        NOT NULL,
  agency              VARCHAR(16) NOT NULL,
  operation           VARCHAR(32) NOT NULL,
  le                  VARCHAR(8)  NOT NULL,
  ok                  BIGINT      NOT NULL DEFAULT 0,
  error               BIGINT      NOT NULL DEFAULT 0,
  timeout             BIGINT      NOT NULL DEFAULT 0,
  latency_sum_seconds DOUBLE      NOT NULL DEFAULT 0,
  PRIMARY KEY (day, agency, operation, le)
);

-- The integration layer's call log, one row per outside-agency call
-- (result and latency as in agency_call_daily; a timeout is logged as 3 s).
-- Only collectors-live.yaml reads it; kos_launchsim --history-days fills
-- it, the running simulator does not. Rows are never updated.
CREATE TABLE IF NOT EXISTS agency_call (
  id              BIGINT      NOT NULL,
  called_at       DATETIME    NOT NULL,
  agency          VARCHAR(16) NOT NULL,
  operation       VARCHAR(32) NOT NULL,
  result          VARCHAR(8)  NOT NULL,
  latency_seconds DOUBLE      NOT NULL,
  PRIMARY KEY (id),
  KEY agency_call_time (called_at, agency, operation, result, latency_seconds),
  -- Label-led for the call counters (collectors-live.yaml agency_calls):
  -- one range per agency, operation and result, today's rows only, in
  -- group order.
  KEY agency_call_label (agency, operation, result, called_at)
);

-- Product calls made at activation time: rate_plan, addon,
-- premium_device_change, tablet_activation, smart_activation and the OTT
-- post-processing integration (product ott, operation postprocess).
CREATE TABLE IF NOT EXISTS product_call_daily (
  day        DATE        NOT NULL,
  product    VARCHAR(32) NOT NULL,
  operation  VARCHAR(16) NOT NULL,
  ok         BIGINT      NOT NULL DEFAULT 0,
  failed     BIGINT      NOT NULL DEFAULT 0,
  PRIMARY KEY (day, product, operation)
);

-- The product layer's call log, one row per product call (the live-table
-- twin of product_call_daily, read by collectors-live.yaml only).
CREATE TABLE IF NOT EXISTS product_call (
  id         BIGINT      NOT NULL,
  called_at  DATETIME    NOT NULL,
  product    VARCHAR(32) NOT NULL,
  operation  VARCHAR(16) NOT NULL,
  result     VARCHAR(8)  NOT NULL,
  PRIMARY KEY (id),
  -- Label-led, as agency_call_label.
  KEY product_call_label (product, operation, result, called_at)
);

-- Device-insurance sign-ups and their sync: KOS -> Mobins (the insurer),
-- then Mobins -> KAIT (duplicate-insurance clearing). sync_state:
-- mobins_pending, kait_pending, synced (KAIT confirmed). precheck_skipped:
-- signed while the kait_insurance_precheck_skip switch was on, so KOS did
-- not wait for KAIT's pre-check; the sync runs all the same, and KAIT's
-- confirmation is the sign-up's post-check.
CREATE TABLE IF NOT EXISTS insurance_signup (
  id               BIGINT      NOT NULL,
  activation_id    BIGINT      NOT NULL,
  model            VARCHAR(32) NOT NULL,
  kind             VARCHAR(16) NOT NULL,
  channel          VARCHAR(16) NOT NULL,
  signed_at        DATETIME    NOT NULL,
  sync_state       VARCHAR(16) NOT NULL,
  precheck_skipped TINYINT     NOT NULL DEFAULT 0,
  mobins_synced_at DATETIME    NULL,
  finished_at      DATETIME    NULL,
  PRIMARY KEY (id),
  KEY insurance_mobins_leg (sync_state, signed_at),
  KEY insurance_kait_leg (sync_state, mobins_synced_at),
  KEY insurance_postcheck (precheck_skipped, sync_state, signed_at),
  KEY insurance_signed (signed_at, model, kind, channel, precheck_skipped),
  KEY insurance_finished (finished_at)
);

-- Wait queue ("대기 순번"): position is the ticket number of the day; the
-- customer waits for stock of a model and storage variant.
-- below_threshold: the variant's stock is under the allocation threshold,
-- so the item cannot be served automatically. state: waiting, served.
CREATE TABLE IF NOT EXISTS wait_queue (
  id              BIGINT      NOT NULL,
  position        BIGINT      NOT NULL,
  model           VARCHAR(32) NOT NULL,
  storage         VARCHAR(8)  NOT NULL DEFAULT '',
  below_threshold TINYINT     NOT NULL DEFAULT 0,
  enqueued_at     DATETIME    NOT NULL,
  state           VARCHAR(16) NOT NULL,
  served_at       DATETIME    NULL,
  PRIMARY KEY (id),
  -- Covers the wait_queue collector: it never reads the rows themselves.
  KEY wait_queue_state (state, enqueued_at, below_threshold, position),
  KEY wait_queue_enqueued (enqueued_at),
  KEY wait_queue_served (served_at)
);

CREATE TABLE IF NOT EXISTS wait_queue_daily (
  day        DATE     NOT NULL,
  enqueued   BIGINT   NOT NULL DEFAULT 0,
  served     BIGINT   NOT NULL DEFAULT 0,
  PRIMARY KEY (day)
);

-- OTA USIM updates pushed after an activation. state: pending, completed,
-- failed.
CREATE TABLE IF NOT EXISTS ota_update (
  id            BIGINT      NOT NULL,
  activation_id BIGINT      NOT NULL,
  requested_at  DATETIME    NOT NULL,
  state         VARCHAR(16) NOT NULL,
  finished_at   DATETIME    NULL,
  PRIMARY KEY (id),
  KEY ota_state (state, requested_at),
  KEY ota_requested (requested_at),
  KEY ota_finished (finished_at, state)
);

CREATE TABLE IF NOT EXISTS ota_daily (
  day        DATE     NOT NULL,
  requested  BIGINT   NOT NULL DEFAULT 0,
  completed  BIGINT   NOT NULL DEFAULT 0,
  failed     BIGINT   NOT NULL DEFAULT 0,
  PRIMARY KEY (day)
);

-- OTT product post-processing ("OTT 후처리"): after an activation whose
-- OTT product call succeeded, the subscription is handed over to the OTT
-- partner. state: pending, completed.
CREATE TABLE IF NOT EXISTS ott_postprocess (
  id            BIGINT      NOT NULL,
  activation_id BIGINT      NOT NULL,
  requested_at  DATETIME    NOT NULL,
  state         VARCHAR(16) NOT NULL,
  finished_at   DATETIME    NULL,
  PRIMARY KEY (id),
  KEY ott_postprocess_state (state, requested_at),
  KEY ott_postprocess_finished (finished_at)
);

-- Error queue: failed transactions the reprocessing automator retries.
-- reason: sgi_guarantee, mnp_opening, product_call, ota. state: queued,
-- resolved, given_up (retries exhausted, a person must look).
CREATE TABLE IF NOT EXISTS error_queue (
  id          BIGINT      NOT NULL,
  reason      VARCHAR(32) NOT NULL,
  ref_id      BIGINT      NOT NULL,
  enqueued_at DATETIME    NOT NULL,
  retries     INT         NOT NULL DEFAULT 0,
  state       VARCHAR(16) NOT NULL,
  finished_at DATETIME    NULL,
  PRIMARY KEY (id),
  KEY error_queue_state (state, reason, enqueued_at),
  KEY error_queue_enqueued (enqueued_at, reason, state, retries),
  KEY error_queue_finished (finished_at, state, reason)
);

-- reprocessed_ok / reprocess_failed count attempts; given_up counts items
-- whose last retry failed.
CREATE TABLE IF NOT EXISTS error_queue_daily (
  day              DATE        NOT NULL,
  reason           VARCHAR(32) NOT NULL,
  enqueued         BIGINT      NOT NULL DEFAULT 0,
  reprocessed_ok   BIGINT      NOT NULL DEFAULT 0,
  reprocess_failed BIGINT      NOT NULL DEFAULT 0,
  given_up         BIGINT      NOT NULL DEFAULT 0,
  PRIMARY KEY (day, reason)
);
