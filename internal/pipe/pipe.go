// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package pipe copies streams with their reading and their writing on
// different goroutines, so that hashing a stream (on the reading side)
// and writing it (a file, a socket) use two cores at once, in buffers of
// one MiB, memory bounded whatever the stream's size.
package pipe

import (
	"errors"
	"io"
	"sync"
)

// slot is a buffer that fanOut hands to its two consumers.
type slot struct {
	buf  []byte
	n    int
	busy sync.WaitGroup
}

// FanOut reads r into a ring of buffers and hands each to a and b, which
// consume it on two goroutines at once; a buffer is read into again only
// once both are done with it.
func FanOut(r io.Reader, a, b io.Writer) error {
	slots := make([]*slot, 6)
	for i := range slots {
		slots[i] = &slot{buf: make([]byte, Chunk)}
	}
	toA, toB := make(chan *slot, len(slots)), make(chan *slot, len(slots))
	errB := make(chan error, 1)
	go func() {
		var err error
		for s := range toB {
			if err == nil {
				_, err = b.Write(s.buf[:s.n])
			}
			s.busy.Done()
		}
		errB <- err
	}()
	errA := make(chan error, 1)
	go func() {
		var err error
		for s := range toA {
			if err == nil {
				_, err = a.Write(s.buf[:s.n])
			}
			s.busy.Done()
		}
		errA <- err
	}()
	rerr := feed(r, slots, toA, toB)
	close(toA)
	close(toB)
	aerr, berr := <-errA, <-errB
	return errors.Join(rerr, aerr, berr)
}

// feed reads r into the slots in turn, handing each full one to both.
func feed(r io.Reader, slots []*slot, toA, toB chan<- *slot) error {
	for i := 0; ; i++ {
		s := slots[i%len(slots)]
		s.busy.Wait()
		n, err := io.ReadFull(r, s.buf)
		if n > 0 {
			s.n = n
			s.busy.Add(2)
			toA <- s
			toB <- s
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// Chunk is the size of the buffers passed from reader to writers.
const Chunk = 1 << 20

// Copy copies r to w with the reading (which checks a digest as it goes)
// and the writing on two goroutines, so one core hashes while the other
// writes. It returns the first error of either side.
func Copy(w io.Writer, r io.Reader) error {
	full, free := make(chan []byte, 3), make(chan []byte, 4)
	for i := 0; i < 4; i++ {
		free <- make([]byte, Chunk)
	}
	errc := make(chan error, 1)
	go func() {
		defer close(full)
		for {
			buf := <-free
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				full <- buf[:n]
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				errc <- nil
				return
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	var werr error
	for buf := range full {
		if werr == nil {
			_, werr = w.Write(buf)
		}
		free <- buf[:cap(buf)]
	}
	if rerr := <-errc; rerr != nil {
		return rerr
	}
	return werr
}

// ReadAhead returns a reader of r's bytes that a goroutine reads ahead, a
// few buffers of Chunk bytes at a time, so that producing the bytes (say,
// decompressing them) and consuming them (hashing them) use two cores.
// Close stops the goroutine, waiting for its read in progress to return, so
// that r may be closed after it.
func ReadAhead(r io.Reader) io.ReadCloser {
	ra := &readAhead{full: make(chan *chunk, 3), free: make(chan *chunk, 4), done: make(chan struct{}), stopped: make(chan struct{})}
	for i := 0; i < 4; i++ {
		ra.free <- &chunk{data: make([]byte, Chunk)}
	}
	go ra.fill(r)
	return ra
}

// chunk is a buffer read ahead: its first n bytes, then err.
type chunk struct {
	data []byte
	n    int
	err  error
}

type readAhead struct {
	full, free    chan *chunk
	done, stopped chan struct{}
	cur           *chunk
	off           int
	closed        bool
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.stopped)
	for {
		var c *chunk
		select {
		case c = <-ra.free:
		case <-ra.done:
			return
		}
		c.n, c.err = 0, nil
		for c.n < len(c.data) && c.err == nil {
			var n int
			n, c.err = r.Read(c.data[c.n:])
			c.n += n
		}
		select {
		case ra.full <- c:
		case <-ra.done:
			return
		}
		if c.err != nil {
			return
		}
	}
}

// Read returns the bytes read ahead, then the error the reading ended with.
func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.cur == nil || ra.off == ra.cur.n {
		if ra.cur != nil && ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur != nil {
			ra.free <- ra.cur
		}
		ra.cur, ra.off = <-ra.full, 0
	}
	n := copy(p, ra.cur.data[ra.off:ra.cur.n])
	ra.off += n
	return n, nil
}

// Close stops reading ahead, once the read in progress returned.
func (ra *readAhead) Close() error {
	if !ra.closed {
		ra.closed = true
		close(ra.done)
		<-ra.stopped
	}
	return nil
}
