package main

import (
	"context"
	"os"
	"testing"
)

func TestNoticeIsCurrent(t *testing.T) {
	t.Chdir("../..")
	want, err := notice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("NOTICE is not current: run go run ./tools/notice\n--- want\n%s", want)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"Apache License\n Version 2.0, January 2004", "Apache-2.0"},
		{"Permission is hereby granted, free of charge", "MIT"},
		{"Redistribution and use in source ... Neither the name of Google", "BSD-3-Clause"},
		{"Redistribution and use in source and binary forms", "BSD-2-Clause"},
		{"Mozilla Public License Version 2.0", "MPL-2.0"},
		{"Permission is hereby granted ... Apache License Version 2.0", "MIT AND Apache-2.0"},
		{"All rights reserved.", "see its licence file"},
	} {
		if got := classify(tc.text); got != tc.want {
			t.Errorf("classify(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
