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

// FuzzRemove: a commands file of any shape (hand-edited blocks, lying
// COMMENT lines) never makes ParseBlocks, Block.Spec or Remove panic or
// hang; a removal that succeeds leaves a build without the feature.
func FuzzRemove(f *testing.F) {
	base, err := pxosv1.FS.ReadFile(pxosv1.CommandsFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("\n# ==== feature a: g\nCOMMENT feature a at 0x7F76-0x7F76 (1 bytes), hooks hook_key; requires no other feature\nDEFINE feature_a 0x7F76\nDEFINE a_key 0x7F76\nWRITE 0x7F76 0xC3 COMMENT a_key: ret\nCOMMENT install hook_key -> a_key (previous: 0x7E10)\nWRITE hook_key 0x76\nWRITE hook_key+1 0x7F\n# ==== end of feature a\n"), "a")
	f.Add([]byte("\n# ==== feature a: g\nCOMMENT feature a at 0xFFFFFFFF-0x0 (4294967295 bytes)\nDEFINE feature_a 0x7F76\nWRITE 0x7F76 0xC3\n# ==== end of feature a\n"), "a")
	f.Fuzz(func(t *testing.T, blocks []byte, name string) {
		b, err := NewBase("f.txt", append(append([]byte{}, base...), blocks...))
		if err != nil {
			return
		}
		if bls, err := ParseBlocks(b.Src); err == nil {
			for _, bl := range bls {
				bl.Spec()
			}
		}
		next, _, err := b.Remove(name, nil)
		if err == nil && next.Present(name) {
			t.Errorf("%s is still installed after its removal", name)
		}
	})
}
