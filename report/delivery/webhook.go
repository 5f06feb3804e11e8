package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kos-ops/kos_exporter/internal/safefile"
)

// message is the webhook payload: generic JSON whose Markdown "text" field
// Slack-, Mattermost- and Rocket.Chat-style incoming webhooks accept. Hour
// lets a receiver drop a duplicate (a crash between sending and recording
// the hour can repeat it).
type message struct {
	Text   string `json:"text"`   // Markdown
	Hour   string `json:"hour"`   // RFC 3339 start of the reported hour
	Status string `json:"status"` // complete, partial or missing
}

// webhook posts messages to one URL.
type webhook struct {
	url    string
	client *http.Client
	retry  policy
}

// post delivers m, retrying network errors, 429 and 5xx answers; other 4xx
// answers are permanent (the URL or payload is wrong, retrying cannot help).
func (w webhook) post(ctx context.Context, m message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding webhook message: %w", err)
	}
	err = w.retry.do(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
		if err != nil {
			return permanent{err}
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.client.Do(req)
		if err != nil {
			return redact(err)
		}
		defer resp.Body.Close()
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return fmt.Errorf("webhook answered %s: %s", resp.Status, bytes.TrimSpace(snippet))
		default:
			return permanent{fmt.Errorf("webhook answered %s: %s", resp.Status, bytes.TrimSpace(snippet))}
		}
	})
	if err != nil {
		return fmt.Errorf("posting hour %s to webhook: %w", m.Hour, err)
	}
	return nil
}

// redact replaces the URL in a request error by its scheme and host: the
// path or query of a webhook URL is often its secret.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = u.Scheme + "://" + u.Host
		} else {
			ue.URL = "webhook"
		}
	}
	return err
}

// maxURLFileSize caps the webhook URL file; a URL is far shorter.
const maxURLFileSize = 64 << 10

// ReadURLFile returns the webhook URL in the regular file at path, trimmed.
// Errors never quote the file's content: it is a secret.
func ReadURLFile(path string) (string, error) {
	b, err := safefile.ReadRegular(path, maxURLFileSize)
	if err != nil {
		return "", fmt.Errorf("webhook URL file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("webhook URL file %s does not hold an http or https URL", path)
	}
	return s, nil
}
