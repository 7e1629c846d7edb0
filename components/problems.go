package components

import (
	"fmt"
	"strings"
)

// Problem is one invalid Args field.
type Problem struct {
	// Field is the Args field path, e.g. "Service.MemoryMiB" or "LoadBalancer.HealthCheck.Path".
	Field string
	// Message says what is wrong and what is accepted.
	Message string
}

// ValidationError lists every problem found in a component's Args. Constructors return it
// before registering anything.
type ValidationError struct {
	// Args names the Args type and component, e.g. `FargateServiceArgs for "shop"`.
	Args     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Field + ": " + p.Message
	}
	return "invalid " + e.Args + ":\n  - " + strings.Join(lines, "\n  - ")
}

// problems collects validation failures so that a constructor reports all of them at once.
type problems struct {
	args string
	list []Problem
}

func newProblems(args string) *problems { return &problems{args: args} }

func (p *problems) add(field, msg string) {
	p.list = append(p.list, Problem{Field: field, Message: msg})
}

func (p *problems) addf(field, format string, args ...any) {
	p.add(field, fmt.Sprintf(format, args...))
}

// merge adds a part's problems under a field prefix such as "Service". The component name is
// checked once by the composite, so the parts' name problems are skipped.
func (p *problems) merge(prefix string, err error) {
	verr, ok := err.(*ValidationError)
	if !ok {
		return
	}
	for _, q := range verr.Problems {
		if q.Field != "name" {
			p.add(prefix+"."+q.Field, q.Message)
		}
	}
}

// err returns nil when nothing was found, or a *ValidationError listing every problem.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Args: p.args, Problems: p.list}
}

// required reports each named field whose value is missing, in the order given.
func (p *problems) required(fields ...field) {
	for _, f := range fields {
		if f.missing {
			p.add(f.name, "is required")
		}
	}
}

// field pairs an Args field name with whether it is missing.
type field struct {
	name    string
	missing bool
}
