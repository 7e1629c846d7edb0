package infra

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite Pulumi.yaml's config schema from the Config struct")

type projectFile struct {
	Name        string                `yaml:"name"`
	Runtime     string                `yaml:"runtime"`
	Description string                `yaml:"description"`
	Config      map[string]configDecl `yaml:"config"`
}

type configDecl struct {
	Type        string         `yaml:"type"`
	Items       map[string]any `yaml:"items,omitempty"`
	Description string         `yaml:"description"`
	Default     any            `yaml:"default,omitempty"`
}

// schemaType is the Pulumi project-config type of a Config field.
func schemaType(t reflect.Type) (string, map[string]any) {
	switch t.Kind() {
	case reflect.Int:
		return "integer", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Slice:
		item, _ := schemaType(t.Elem())
		return "array", map[string]any{"type": item}
	case reflect.Map:
		return "object", nil
	default:
		return "string", nil
	}
}

// renderProject writes Pulumi.yaml from the Config struct: one declaration per key, in
// declaration order, with its type, description and default.
func renderProject() []byte {
	var b bytes.Buffer
	b.WriteString("# Generated from infra.Config by `go test ./infra -run TestPulumiYAML -update`; edit the struct, not this file.\n")
	b.WriteString("name: ecs-bluegreen\nruntime: go\n")
	b.WriteString("description: Blue/green releases of an ECS Fargate service through AWS CodeDeploy\n")
	b.WriteString("config:\n")
	defaults := reflect.ValueOf(Defaults())
	for _, k := range Keys() {
		typ, items := schemaType(k.Type)
		fmt.Fprintf(&b, "  %s:\n    type: %s\n", k.Name, typ)
		if items != nil {
			fmt.Fprintf(&b, "    items:\n      type: %s\n", items["type"])
		}
		desc, _ := yaml.Marshal(k.Doc)
		fmt.Fprintf(&b, "    description: %s", desc)
		if requiredKeys[k.Name] {
			continue
		}
		// JSON is YAML in flow style: [200], {}, "web", false.
		def, err := json.Marshal(defaults.Field(k.index).Interface())
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "    default: %s\n", def)
	}
	return b.Bytes()
}

// TestPulumiYAML keeps Pulumi.yaml's declared config (which the CLI uses to document and
// type-check keys and to apply defaults) identical to the Config struct and Defaults.
func TestPulumiYAML(t *testing.T) {
	want := renderProject()
	if *update {
		if err := os.WriteFile("../Pulumi.yaml", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Pulumi.yaml is out of date with infra.Config; run: go test ./infra -run TestPulumiYAML -update")
	}
	var p projectFile
	if err := yaml.Unmarshal(got, &p); err != nil {
		t.Fatalf("Pulumi.yaml does not parse: %v", err)
	}
	if p.Name != Project || p.Runtime != "go" {
		t.Errorf("project %q runtime %q, want %q go", p.Name, p.Runtime, Project)
	}
	if len(p.Config) != len(Keys()) {
		t.Errorf("Pulumi.yaml declares %d keys, Config has %d", len(p.Config), len(Keys()))
	}
	// Each declared default, read back as YAML, must load to the Go default.
	for _, k := range Keys() {
		d, ok := p.Config[k.Name]
		if !ok {
			t.Errorf("key %s is not declared", k.Name)
			continue
		}
		if requiredKeys[k.Name] != (d.Default == nil) {
			t.Errorf("key %s: required=%v but default=%v", k.Name, requiredKeys[k.Name], d.Default)
		}
	}
}

// renderConfigReference is the README's config table: every key with its type, default and
// meaning, from the Config struct.
func renderConfigReference() string {
	var b strings.Builder
	b.WriteString("| key (`ecs-bluegreen:`…) | type | default | meaning |\n|---|---|---|---|\n")
	defaults := reflect.ValueOf(Defaults())
	for _, k := range Keys() {
		typ, items := schemaType(k.Type)
		if items != nil {
			typ += " of " + items["type"].(string)
		}
		def := "**required**"
		if !requiredKeys[k.Name] {
			j, _ := json.Marshal(defaults.Field(k.index).Interface())
			def = "`" + string(j) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, typ, def, strings.ReplaceAll(k.Doc, "|", "\\|"))
	}
	return b.String()
}

// TestREADMEConfigReference keeps the README's config reference identical to the Config struct.
func TestREADMEConfigReference(t *testing.T) {
	const start, end = "<!-- config-reference:start -->\n", "<!-- config-reference:end -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", start, end)
	}
	want := renderConfigReference()
	if *update {
		readme = readme[:i+len(start)] + want + readme[j:]
		if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := readme[i+len(start) : j]; got != want {
		t.Errorf("README.md's config reference is out of date; run: go test ./infra -run 'TestPulumiYAML|TestREADMEConfigReference' -update")
	}
}
