package engine

import "github.com/sluicehq/sluice/workflow/asl"

// runPass runs a Pass state: its input (or Result) through Parameters,
// ResultPath and OutputPath, or its JSONata Output.
func (t *thread) runPass(ev *evalEnv, input any) (any, string, error) {
	n := ev.n
	if n.jsonata {
		out, err := ev.finishJSONata(n.output, n.assign, input)
		return out, n.transition(), err
	}
	eff, err := ev.applyPath(n.inputPath, input, "InputPath")
	if err != nil {
		return nil, "", err
	}
	if n.parameters != nil {
		if eff, err = n.parameters.eval(ev, eff); err != nil {
			return nil, "", err
		}
	}
	result := eff
	if n.hasResult {
		result = n.result
	}
	out, err := ev.finishJSONPath(input, result)
	return out, n.transition(), err
}

// pass plans a Pass state.
func (sp *statePlan) pass(s *asl.Pass) {
	n := sp.n
	sp.io(s.InputPath, s.OutputPath, s.ResultPath)
	sp.payload("Parameters", s.Parameters, &n.parameters)
	if len(s.Result) > 0 {
		sp.set("Result", func() (e error) { n.result, e = decodeJSON(s.Result); n.hasResult = true; return })
	}
	sp.payload("Assign", s.Assign, &n.assign)
	sp.jsonataOnly("Output", s.Output, &n.output)
}
