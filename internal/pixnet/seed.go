package pixnet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/pxos-dev/pxos/knowledge"
)

// SeedRecords returns the built-in knowledge (package knowledge) as
// reference records, one per section of each file.
func SeedRecords() []Record {
	var rs []Record
	for _, sec := range knowledge.Sections() {
		rs = append(rs, Record{Kind: KindReference, Tags: sec.Tags, Title: sec.Title, Body: sec.Text})
	}
	return rs
}

// Seed appends the built-in knowledge and then extra (for example verified
// solutions) to s, in one batch.
func Seed(s *Store, extra ...Record) error {
	_, err := s.AppendBatch(append(SeedRecords(), extra...))
	return err
}

// OpenOrSeed opens the network at path like Open; a network that does not
// exist yet is first created and seeded with the built-in knowledge. When
// two processes race to create it, only one seeds it.
func OpenOrSeed(path string) (*Store, error) { return OpenOrSeedWith(path) }

// OpenOrSeedWith is OpenOrSeed that seeds a new network with extra records
// (verified solutions, say) after the built-in knowledge, as Seed does.
func OpenOrSeedWith(path string, extra ...Record) (*Store, error) {
	_, err := os.Stat(path)
	if err == nil {
		return Open(path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	s, err := Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := s.appendBatch(append(SeedRecords(), extra...), true); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// SeedNew creates the network at path from the built-in knowledge and
// extra. It fails with ErrExists when a network is there, unless force is
// set, in which case every segment of the old network is removed first.
func SeedNew(path string, force bool, extra ...Record) (*Store, error) {
	if _, err := os.Stat(path); err == nil {
		if !force {
			return nil, fmt.Errorf("%w: %s", ErrExists, path)
		}
		for i := 0; ; i++ {
			err := os.Remove(segPath(path, i))
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if err != nil {
				return nil, err
			}
		}
	}
	s, err := Open(path)
	if err != nil {
		return nil, err
	}
	if err := Seed(s, extra...); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
