package config

// Size caps for the files Load reads; a larger file is refused.
const (
	MaxConfigSize  = 4 << 20  // the config file
	MaxDSNFileSize = 64 << 10 // each dsn_file
)
