package qemu

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// This file is a minimal client for the QEMU Machine Protocol (QMP,
// docs/interop/qmp-spec.rst in the QEMU tree): JSON objects, one per line,
// over a unix socket. The server sends a greeting ({"QMP": ...}); the client
// must send qmp_capabilities before any other command; each command
// ({"execute": name, "arguments": {...}}) gets exactly one reply, either
// {"return": ...} or {"error": {"class", "desc"}}; asynchronous events
// ({"event": name, "data": ..., "timestamp": ...}) may arrive at any time,
// also between a command and its reply.
//
// It is written here rather than taken from a library because pxos needs
// five commands and two events, and the whole protocol fits in this file.

// event is one asynchronous QMP event.
type event struct {
	Name string          `json:"event"`
	Data json.RawMessage `json:"data"`
}

// message is any line the server sends.
type message struct {
	QMP    json.RawMessage `json:"QMP"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// qmp is a connection to a QMP server. Commands are serialised; a reader
// goroutine routes replies to the waiting command and records events.
type qmp struct {
	conn    net.Conn
	replies chan message
	done    chan struct{} // closed when the reader stops
	readErr error         // why the reader stopped; valid after done

	cmdMu sync.Mutex // one command at a time

	evMu   sync.Mutex
	events []event
	notify chan struct{} // receives (non-blocking) after each new event
}

// errClosed reports a command on a connection whose reader has stopped.
var errClosed = errors.New("QEMU: qmp connection closed")

// dialQMP connects to the unix socket at path, retrying until deadline
// because QEMU creates the socket a moment after it starts, reads the
// greeting and negotiates capabilities.
func dialQMP(path string, deadline time.Time) (*qmp, error) {
	var conn net.Conn
	var err error
	for {
		conn, err = net.Dial("unix", path)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("QEMU: connect to qmp socket: %w", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	q := &qmp{
		conn:    conn,
		replies: make(chan message, 1),
		done:    make(chan struct{}),
		notify:  make(chan struct{}, 1),
	}
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(deadline)
	line, err := r.ReadBytes('\n')
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("QEMU: read qmp greeting: %w", err)
	}
	var greet message
	if err := json.Unmarshal(line, &greet); err != nil || greet.QMP == nil {
		conn.Close()
		return nil, fmt.Errorf("QEMU: bad qmp greeting %q", line)
	}
	conn.SetReadDeadline(time.Time{})
	go q.read(r)
	if _, err := q.execute("qmp_capabilities", nil); err != nil {
		q.close()
		return nil, err
	}
	return q, nil
}

// read routes every line from the server until the connection ends.
func (q *qmp) read(r *bufio.Reader) {
	defer close(q.done)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			q.readErr = err
			return
		}
		var m message
		if err := json.Unmarshal(line, &m); err != nil {
			q.readErr = fmt.Errorf("QEMU: bad qmp message %q: %v", line, err)
			return
		}
		if m.Event != "" {
			q.evMu.Lock()
			q.events = append(q.events, event{Name: m.Event, Data: m.Data})
			q.evMu.Unlock()
			select {
			case q.notify <- struct{}{}:
			default:
			}
			continue
		}
		q.replies <- m
	}
}

// execute runs one command and returns its "return" value.
func (q *qmp) execute(cmd string, args any) (json.RawMessage, error) {
	q.cmdMu.Lock()
	defer q.cmdMu.Unlock()
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("QEMU: %s: %v", cmd, err)
	}
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("QEMU: %s: %w", cmd, err)
	}
	select {
	case m := <-q.replies:
		if m.Error != nil {
			return nil, fmt.Errorf("QEMU: %s: %s: %s", cmd, m.Error.Class, m.Error.Desc)
		}
		return m.Return, nil
	case <-q.done:
		return nil, fmt.Errorf("QEMU: %s: %w", cmd, errClosed)
	}
}

// eventsSince returns the events received after the first n.
func (q *qmp) eventsSince(n int) []event {
	q.evMu.Lock()
	defer q.evMu.Unlock()
	if n >= len(q.events) {
		return nil
	}
	return append([]event(nil), q.events[n:]...)
}

// close ends the connection; the reader goroutine then stops.
func (q *qmp) close() error {
	err := q.conn.Close()
	<-q.done
	return err
}
