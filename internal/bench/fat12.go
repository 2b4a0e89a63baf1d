package bench

import (
	"encoding/binary"
	"fmt"

	"github.com/pxos-dev/pxos/internal/build"
)

// The test volume of the hardest goal: a small FAT12 file system that the
// benchmark writes onto the floppy of the hidden runs, at a sector beyond
// the 66 that pxOS loads (boot sector and 0x7E00-0xFFFF), so pxOS itself is
// untouched. The emulator has one floppy drive (A:, the boot floppy), so
// the volume shares it. Layout, in sectors from its start (Microsoft's
// FAT specification, "FAT: General Overview of On-Disk Format", 2000):
//
//	0     boot sector: BPB, 55 AA
//	1-2   FAT 1 (2 sectors: not the 1 a volume this small needs, so a
//	      program must read BPB_FATSz16 rather than assume it)
//	3-4   FAT 2
//	5     root directory, 16 entries
//	6-    data, one sector per cluster; cluster 2 is sector 6
const (
	FloppySectors = build.FloppySize / build.SectorSize // 2880
	MinVolumeLBA  = (build.LoadEnd - build.LoadBase) / build.SectorSize
	VolumeSectors = 64

	volReserved   = 1
	volFATs       = 2
	volFATSectors = 2
	volRootEnts   = 16
	volFirstData  = volReserved + volFATs*volFATSectors + volRootEnts*32/build.SectorSize
)

// VolumeFile is a file or entry of the test volume's root directory.
type VolumeFile struct {
	Name, Ext string // 8.3, upper case, without padding
	Attr      byte
	Deleted   bool // the entry's first byte is E5h: not listed
	Data      string
}

// VolumeLabel is the test volume's label, in its BPB and as the first
// root entry (attribute 08h): not a file.
const VolumeLabel = "PXBENCH"

// VolumeFiles are the test volume's root entries after the label, in
// order. The hidden scenario of the FAT12 goal lists the files by name.
var VolumeFiles = []VolumeFile{
	{Name: "README", Ext: "TXT", Attr: 0x20, Data: "This floppy is the pxos bench test volume.\r\n"},
	{Name: "OLDFILE", Ext: "TXT", Attr: 0x20, Deleted: true, Data: "deleted\r\n"},
	{Name: "HELLO", Ext: "COM", Attr: 0x20, Data: "\xB4\x09\xBA\x09\x01\xCD\x21\xC3Hello$"},
	{Name: "NOTES", Ext: "TXT", Attr: 0x20, Data: string(make([]byte, 700))}, // two clusters
	{Name: "KERNEL", Attr: 0x21, Data: "pxOS"},
}

// Volume returns the test volume, VolumeSectors sectors, whose BPB says
// it starts at hidden sector lba (BPB_HiddSec) of a 1.44 MB floppy.
func Volume(lba int) []byte {
	v := make([]byte, VolumeSectors*build.SectorSize)
	boot := v[:build.SectorSize]
	copy(boot, []byte{0xEB, 0x3C, 0x90})
	copy(boot[3:11], "PXBENCH ")
	le := binary.LittleEndian
	le.PutUint16(boot[11:], build.SectorSize) // BPB_BytsPerSec
	boot[13] = 1                              // BPB_SecPerClus
	le.PutUint16(boot[14:], volReserved)      // BPB_RsvdSecCnt
	boot[16] = volFATs                        // BPB_NumFATs
	le.PutUint16(boot[17:], volRootEnts)      // BPB_RootEntCnt
	le.PutUint16(boot[19:], VolumeSectors)    // BPB_TotSec16
	boot[21] = 0xF0                           // BPB_Media
	le.PutUint16(boot[22:], volFATSectors)    // BPB_FATSz16
	le.PutUint16(boot[24:], 18)               // BPB_SecPerTrk
	le.PutUint16(boot[26:], 2)                // BPB_NumHeads
	le.PutUint32(boot[28:], uint32(lba))      // BPB_HiddSec
	boot[36] = 0x00                           // BS_DrvNum
	boot[38] = 0x29                           // BS_BootSig
	le.PutUint32(boot[39:], 0x20260101)       // BS_VolID
	copy(boot[43:54], pad(VolumeLabel, 11))   // BS_VolLab
	copy(boot[54:62], "FAT12   ")             // BS_FilSysType
	boot[510], boot[511] = 0x55, 0xAA

	fat := make([]byte, volFATSectors*build.SectorSize)
	setFAT12(fat, 0, 0xFF0) // media byte F0h
	setFAT12(fat, 1, 0xFFF)
	root := v[(volReserved+volFATs*volFATSectors)*build.SectorSize:]
	copy(root[:11], pad(VolumeLabel, 11))
	root[11] = 0x08
	cluster := 2
	for i, f := range VolumeFiles {
		e := root[(i+1)*32 : (i+2)*32]
		copy(e[:8], pad(f.Name, 8))
		copy(e[8:11], pad(f.Ext, 3))
		e[11] = f.Attr
		le.PutUint16(e[22:], 0x6000)         // 12:00:00
		le.PutUint16(e[24:], (46<<9)|1<<5|1) // 2026-01-01
		le.PutUint16(e[26:], uint16(cluster))
		le.PutUint32(e[28:], uint32(len(f.Data)))
		n := (len(f.Data) + build.SectorSize - 1) / build.SectorSize
		for k := 0; k < n; k++ {
			copy(v[(volFirstData+cluster-2+k)*build.SectorSize:], f.Data[k*build.SectorSize:min(len(f.Data), (k+1)*build.SectorSize)])
			next := cluster + k + 1
			if k == n-1 {
				next = 0xFFF
			}
			if !f.Deleted { // a deleted file's clusters are free
				setFAT12(fat, cluster+k, next)
			}
		}
		if f.Deleted {
			e[0] = 0xE5
		}
		cluster += n
	}
	for i := 0; i < volFATs; i++ {
		copy(v[(volReserved+i*volFATSectors)*build.SectorSize:], fat)
	}
	return v
}

// WithVolume returns a copy of the floppy image img with the test volume
// written at sector lba.
func WithVolume(img []byte, lba int) ([]byte, error) {
	if len(img) != build.FloppySize {
		return nil, fmt.Errorf("the image is %d bytes, not a 1.44 MB floppy", len(img))
	}
	if lba < MinVolumeLBA || lba+VolumeSectors > FloppySectors {
		return nil, fmt.Errorf("the test volume cannot start at sector %d: pxOS loads sectors 0-%d and the floppy has %d", lba, MinVolumeLBA-1, FloppySectors)
	}
	out := append([]byte(nil), img...)
	copy(out[lba*build.SectorSize:], Volume(lba))
	return out, nil
}

// setFAT12 sets entry n of a FAT12 table to v (12 bits; entries pack two
// to three bytes, the even one in the low bits).
func setFAT12(fat []byte, n, v int) {
	off := n * 3 / 2
	if n%2 == 0 {
		fat[off] = byte(v)
		fat[off+1] = fat[off+1]&0xF0 | byte(v>>8)&0x0F
	} else {
		fat[off] = fat[off]&0x0F | byte(v<<4)
		fat[off+1] = byte(v >> 4)
	}
}

func pad(s string, n int) []byte {
	b := []byte(fmt.Sprintf("%-*s", n, s))
	return b[:n]
}
