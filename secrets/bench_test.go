package secrets

import (
	"fmt"
	"testing"
)

// BenchmarkDeriver compares 100 site passwords from one Deriver (its scrypt
// included) with 100 DerivePassword calls; the target is at least 50 times
// faster, with identical output, which both sub-benchmarks check.
func BenchmarkDeriver(b *testing.B) {
	const user, master = "Robert Lee Mitchell", "banana colored duckling"
	sites := make([]string, 100)
	for i := range sites {
		sites[i] = fmt.Sprintf("site-%d.example.com", i)
	}
	reference, err := NewDeriver(user, master)
	if err != nil {
		b.Fatal(err)
	}
	want := make([]string, len(sites))
	for i, site := range sites {
		if want[i], err = reference.Password(site, 1, "long"); err != nil {
			b.Fatal(err)
		}
	}
	reference.Close()
	check := func(b *testing.B, got []string) {
		for i := range got {
			if got[i] != want[i] {
				b.Fatalf("site %s: %q, want %q", sites[i], got[i], want[i])
			}
		}
	}

	b.Run("Deriver/100-sites", func(b *testing.B) {
		got := make([]string, len(sites))
		for b.Loop() {
			d, err := NewDeriver(user, master)
			if err != nil {
				b.Fatal(err)
			}
			for i, site := range sites {
				if got[i], err = d.Password(site, 1, "long"); err != nil {
					b.Fatal(err)
				}
			}
			d.Close()
		}
		check(b, got)
	})
	b.Run("DerivePassword/100-sites", func(b *testing.B) {
		got := make([]string, len(sites))
		for b.Loop() {
			for i, site := range sites {
				if got[i], err = DerivePassword(1, "long", master, user, site); err != nil {
					b.Fatal(err)
				}
			}
		}
		check(b, got)
	})
	b.Run("Deriver.Password", func(b *testing.B) {
		d, err := NewDeriver(user, master)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Password("example.com", 1, "long"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	for _, tc := range []struct {
		name     string
		alphabet Alphabet
	}{{"alphanumeric-32", AlphaNumeric}, {"printable-32", PrintableASCII}, {"hex-32", Hex}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(tc.alphabet, 32); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkObjectDeriverValue(b *testing.B) {
	d, err := NewObjectDeriver(testMaster)
	if err != nil {
		b.Fatal(err)
	}
	ref := ValueRef{Namespace: "shop", Name: "db", Key: "password"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Value(ref, 1, AlphaNumeric, 32); err != nil {
			b.Fatal(err)
		}
	}
}
