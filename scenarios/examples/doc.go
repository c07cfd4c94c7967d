// Package examples holds finance's example assumption files (*.yaml) for
// the scenario generator, and a test that runs the generator with them on
// the demo data set — the worked example of docs/scenarios.md:
//
//	go test ./scenarios/examples -run TestDemo -demo -v
package examples
