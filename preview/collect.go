package preview

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
)

// Options configures [Collect].
type Options struct {
	// Refresh reads the live state first (`pulumi preview --refresh`; nothing is saved), so the
	// report sees what CodeDeploy changed since the last update (which target group each
	// listener forwards to, which revision the service runs) and can say it is not drift.
	// Default false.
	Refresh bool
	// Extra are further preview options (optpreview.Message, optpreview.Parallel, progress
	// streams, ...). Collect adds its own event stream.
	Extra []optpreview.Option
	// StreamTimeout bounds the wait for the engine's event stream to close after the preview
	// returns. Default 30 s.
	StreamTimeout time.Duration
}

// Collect previews st and builds the report from the engine's events (see [FromEvents]). The
// report's Stack is st's name. When the preview fails, Collect returns the report built from the
// events that arrived (its Errors hold the engine's error diagnostics, so it still renders) and
// the error.
func Collect(ctx context.Context, st auto.Stack, opts Options) (*Report, error) {
	return CollectWith(ctx, st.Name(), func(ctx context.Context, o ...optpreview.Option) error {
		_, err := st.Preview(ctx, o...)
		return err
	}, opts)
}

// PreviewFunc runs a preview of one stack with the given options, e.g. a wrapper around
// auto.Stack.Preview that also streams progress.
type PreviewFunc func(ctx context.Context, opts ...optpreview.Option) error

// CollectWith is [Collect] for callers that run the preview themselves: it adds the event
// stream (and refresh) to the options it passes to run.
func CollectWith(ctx context.Context, stack string, run PreviewFunc, opts Options) (*Report, error) {
	var (
		mu  sync.Mutex
		evs []events.EngineEvent
	)
	ch := make(chan events.EngineEvent)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for ev := range ch {
			mu.Lock()
			evs = append(evs, ev)
			mu.Unlock()
		}
	}()
	popts := append([]optpreview.Option{}, opts.Extra...)
	popts = append(popts, optpreview.EventStreams(ch))
	if opts.Refresh {
		popts = append(popts, optpreview.Refresh())
	}
	previewErr := run(ctx, popts...)

	timeout := opts.StreamTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	streamErr := error(nil)
	select {
	case <-closed:
	case <-time.After(timeout):
		// The Automation API closes the stream once the engine has sent everything; a preview
		// that failed before the engine started never opens it.
		if previewErr == nil {
			streamErr = fmt.Errorf("preview of stack %s: the engine's event stream did not close within %s", stack, timeout)
		}
	case <-ctx.Done():
		if previewErr == nil {
			streamErr = fmt.Errorf("preview of stack %s: %w", stack, ctx.Err())
		}
	}
	mu.Lock()
	r := FromEvents(evs)
	mu.Unlock()
	r.Stack = stack
	if previewErr != nil {
		if len(r.Errors) == 0 {
			r.Errors = []string{previewErr.Error()}
		}
		return r, fmt.Errorf("preview of stack %s: %w", stack, previewErr)
	}
	return r, streamErr
}
