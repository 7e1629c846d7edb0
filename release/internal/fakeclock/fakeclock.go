// Package fakeclock is a manual clock for tests: Sleep advances the time at once.
package fakeclock

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake release.Clock. The zero value is not usable; use New.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
	// OnSleep, when set, runs after each Sleep advanced the time (e.g. to cancel a context after
	// a number of sleeps). It runs without the lock held.
	OnSleep func(now time.Time)
}

// New returns a clock that starts at start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the time by d, unless ctx is already done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept += d
	now := c.now
	hook := c.OnSleep
	c.mu.Unlock()
	if hook != nil {
		hook(now)
	}
	return ctx.Err()
}

// Advance moves the time forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept is the total time passed to Sleep.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
