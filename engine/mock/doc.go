// Package mock provides engine.Invoker implementations that answer Task
// states with canned results instead of running anything:
//
//   - Tasks replays the "tasks" field of an ASL conformance case: per
//     Resource, the results AWS returned, in the order it invoked them.
//   - Config reads an AWS Step Functions Local MockConfigFile
//     (StateMachines -> TestCases -> state -> MockedResponses, with Return
//     or Throw per attempt range such as "0" or "1-2").
//
// Both are safe for concurrent use.
package mock
