package testprovider

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Environment variables read by the plugins.
const (
	// StateEnv names the live state file (JSON encoding of [LiveState]); the file may be absent.
	StateEnv = "ECSBG_TESTPROVIDER_STATE"
	// LogEnv names a file to which every RPC appends one JSON line ([LogEntry]).
	LogEnv = "ECSBG_TESTPROVIDER_LOG"
)

// LiveState is the content of the live state file: what "AWS" looks like now, as far as it
// differs from what the provider last wrote. Tests write it between operations to simulate
// out-of-band changes (a CodeDeploy swap); Read merges it into the state it returns.
type LiveState struct {
	Overrides []Override `json:"overrides"`
}

// Override replaces top-level properties of one resource, as read by Read (pulumi refresh).
type Override struct {
	// Type is the resource's type token, e.g. "aws:lb/listener:Listener". Required.
	Type string `json:"type"`
	// Name is the resource's name in its URN (the name given to the constructor).
	Name string `json:"name"`
	// URN, when set, must equal the resource's URN exactly (use it when names repeat).
	URN string `json:"urn,omitempty"`
	// Set holds the top-level properties to replace, as JSON values (property names in
	// Pulumi's camelCase, as in the state).
	Set map[string]any `json:"set"`
}

func (o Override) matches(urn resource.URN) bool {
	if o.Type != string(urn.Type()) && canonicalType(o.Type) != canonicalType(string(urn.Type())) {
		return false
	}
	if o.URN != "" {
		return o.URN == string(urn)
	}
	return o.Name == urn.Name()
}

// WriteLiveState writes the live state file atomically (the plugins may read it concurrently).
func WriteLiveState(path string, state LiveState) error {
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding live state: %w", err)
	}
	return writeFileAtomic(path, data)
}

// ReadLiveState reads the live state file; an absent file is an empty state.
func ReadLiveState(path string) (LiveState, error) {
	var state LiveState
	if path == "" {
		return state, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return state, nil
	}
	if err != nil {
		return state, fmt.Errorf("reading live state: %w", err)
	}
	if err := json.Unmarshal(data, &state); err != nil {
		return state, fmt.Errorf("decoding live state %s: %w", path, err)
	}
	return state, nil
}

// overridesFor returns the properties the live state sets on urn, later overrides winning.
func overridesFor(state LiveState, urn resource.URN) resource.PropertyMap {
	set := resource.PropertyMap{}
	for _, o := range state.Overrides {
		if !o.matches(urn) {
			continue
		}
		for k, v := range o.Set {
			set[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
	}
	return set
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// LogEntry is one line of the RPC log.
type LogEntry struct {
	Package string `json:"package"` // "aws" or "awsx"
	Method  string `json:"method"`  // RPC name, e.g. "Create"
	URN     string `json:"urn,omitempty"`
	Type    string `json:"type,omitempty"`
	Preview bool   `json:"preview,omitempty"`
}

// ReadLog reads the RPC log; an absent file is an empty log.
func ReadLog(path string) ([]LogEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading rpc log: %w", err)
	}
	defer f.Close()
	var entries []LogEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		var e LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("decoding rpc log line %q: %w", sc.Text(), err)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading rpc log: %w", err)
	}
	return entries, nil
}

// rpcLog appends LogEntry lines to a file; a zero rpcLog discards them.
type rpcLog struct {
	mu   sync.Mutex
	path string
}

func (l *rpcLog) append(e LogEntry) error {
	if l.path == "" {
		return nil
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding rpc log entry: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("opening rpc log: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing rpc log: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing rpc log: %w", err)
	}
	return nil
}

// revisions hands out task definition revisions per family. With a path, the counters persist
// in that JSON file (so they survive across plugin processes, as AWS's do); without, they live
// in memory.
type revisions struct {
	mu     sync.Mutex
	path   string
	memory map[string]int
}

// RevisionsPath is where the double keeps its task definition revision counters, given the
// live state file's path.
func RevisionsPath(statePath string) string {
	if statePath == "" {
		return ""
	}
	return statePath + ".revisions.json"
}

// next returns the revision the next task definition of family gets; consume records it.
func (r *revisions) next(family string, consume bool) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	counters, err := r.load()
	if err != nil {
		return 0, err
	}
	n := counters[family] + 1
	if !consume {
		return n, nil
	}
	counters[family] = n
	if r.path == "" {
		r.memory = counters
		return n, nil
	}
	data, err := json.MarshalIndent(counters, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encoding revision counters: %w", err)
	}
	if err := writeFileAtomic(r.path, data); err != nil {
		return 0, fmt.Errorf("saving revision counters: %w", err)
	}
	return n, nil
}

func (r *revisions) load() (map[string]int, error) {
	counters := map[string]int{}
	if r.path == "" {
		for k, v := range r.memory {
			counters[k] = v
		}
		return counters, nil
	}
	data, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return counters, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading revision counters: %w", err)
	}
	if err := json.Unmarshal(data, &counters); err != nil {
		return nil, fmt.Errorf("decoding revision counters %s: %w", r.path, err)
	}
	return counters, nil
}
