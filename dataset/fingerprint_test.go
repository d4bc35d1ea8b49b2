package dataset

import "testing"

// TestFingerprint: the same declaration always has the same fingerprint
// (two builds of the built-in set); any change to it, a description or a
// field's type alike, changes the fingerprint.
func TestFingerprint(t *testing.T) {
	t.Parallel()
	a, b := Builtin().All(), Builtin().All()
	seen := map[string]string{}
	for i := range a {
		fa, err := a[i].Fingerprint()
		if err != nil {
			t.Fatal(err)
		}
		fb, err := b[i].Fingerprint()
		if err != nil {
			t.Fatal(err)
		}
		if fa != fb || len(fa) != 64 {
			t.Errorf("%s: fingerprints %q and %q of the same declaration", a[i].Name, fa, fb)
		}
		if other, dup := seen[fa]; dup {
			t.Errorf("%s and %s have the same fingerprint", a[i].Name, other)
		}
		seen[fa] = a[i].Name
	}
	orders, err := Builtin().Lookup("orders")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := orders.Fingerprint()
	for name, edit := range map[string]func(d *Dataset){
		"description": func(d *Dataset) { d.Description += "." },
		"prefix":      func(d *Dataset) { d.Prefix = "incoming/orders2/" },
		"field type":  func(d *Dataset) { d.Fields[len(d.Fields)-1].Type = String + "x" },
		"max size":    func(d *Dataset) { d.MaxSize++ },
	} {
		d, _ := Builtin().Lookup("orders")
		edit(d)
		if got, err := d.Fingerprint(); err != nil || got == base {
			t.Errorf("%s changed: fingerprint %q (%v), the same as before", name, got, err)
		}
	}
	var none *Dataset
	if _, err := none.Fingerprint(); err == nil {
		t.Error("nil dataset: no error")
	}
}
