// Runs one state machine definition on aws-local-stepfunctions with one
// input, as its local-sfn CLI does, and prints the output as JSON (the CLI
// prints it with console.log, which abbreviates arrays over 100 items), so
// that scripts/bench.sh can check it equals the engine's.
//
//   NODE_PATH=.../node_modules node run.cjs DEFINITION.json INPUT.json
'use strict';
const { readFileSync } = require('node:fs');
const { StateMachine } = require('aws-local-stepfunctions');

const [defFile, inFile] = process.argv.slice(2);
const machine = new StateMachine(JSON.parse(readFileSync(defFile, 'utf8')));
machine.run(JSON.parse(readFileSync(inFile, 'utf8'))).result.then(
	(out) => process.stdout.write(JSON.stringify(out) + '\n'),
	(err) => {
		console.error(err.message);
		process.exitCode = 2;
	},
);
