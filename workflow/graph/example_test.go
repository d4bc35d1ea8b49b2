package graph_test

import (
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
)

func ExampleMermaid() {
	m, err := asl.Unmarshal([]byte(`{
	  "StartAt": "Big?",
	  "States": {
	    "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 9, "Next": "Split"}], "Default": "Done"},
	    "Split": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "End": true},
	    "Done": {"Type": "Succeed"}
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(graph.Mermaid(m))
	// Output:
	// flowchart TD
	//   g_start((" ")):::marker
	//   s0{"Big?"}:::choice
	//   s1["Split"]
	//   s2(["Done"]):::succeed
	//   g_end(((" "))):::marker
	//   g_start --> s0
	//   s1 --> g_end
	//   s2 --> g_end
	//   s0 -->|"$.n > 9"| s1
	//   s0 -->|"default"| s2
	//   s1 -.->|"States.ALL"| s2
	//   classDef marker fill:#333,stroke:#333,color:#fff
	//   classDef succeed fill:#e3f6e5,stroke:#2e7d32
	//   classDef fail fill:#fde7e7,stroke:#c62828
	//   classDef choice fill:#fff8e1,stroke:#f9a825
	//   classDef missing fill:#fff,stroke:#c62828,stroke-dasharray:4 3,color:#c62828
}
