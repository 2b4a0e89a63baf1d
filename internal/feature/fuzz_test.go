package feature

import (
	"encoding/json"
	"io/fs"
	"path"
	"reflect"
	"testing"

	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// FuzzParseMeta: ParseMeta never panics, and metadata it accepts survives a
// round trip through JSON.
func FuzzParseMeta(f *testing.F) {
	dirs, _ := fs.ReadDir(pxosv1.FS, pxosv1.FeatureDir)
	for _, d := range dirs {
		b, err := pxosv1.FS.ReadFile(path.Join(pxosv1.FeatureDir, d.Name(), MetaName))
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name": "x", "goal": "g", "hooks": {"hook_key": 1}}`))
	f.Add([]byte(`{"name": "x"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseMeta("f.json", data)
		if err != nil {
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseMeta("f.json", out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		s.metaSrc, s2.metaSrc = nil, nil
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("round trip: %+v != %+v", s, s2)
		}
	})
}
