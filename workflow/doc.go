// Package workflow is a typed builder for Step Functions state machines, in
// the style of the AWS CDK's aws-stepfunctions module, that compiles to the
// model in package asl.
//
// States are made with constructors that take the required values as
// arguments and the optional ones in a XxxProps struct whose zero value means
// "the ASL default". They are joined into a graph with Next (on a state or a
// Chain), Choice.When/Otherwise/Afterwards, Parallel.Branch and
// Map.ItemProcessor, and error handling is added with AddRetry and AddCatch.
//
// The builder never panics and never returns an error from a chaining call.
// Misuse (a second Next on a state, chaining after a terminal state, a state
// used in two graphs, two states with one name, a Choice without branches, a
// misspelt SDK parameter) is recorded and reported, all together, by Compile
// as a *CompileError holding validate.Issues. Compile also resolves logical resource names (Lambda
// functions, DynamoDB tables, S3 buckets, SNS topics, event buses, state
// machines) to ARNs through a Resolver and reports every resource the
// machine uses with the IAM actions it needs, so that the platform can grant
// exactly those.
//
// Tasks can declare the Go types their handlers take and return
// (LambdaTask[In, Out]), and the machine its execution input (WithInput);
// Compile then checks every path a state reads against the shapes the
// states before it produce (package shape, via validate.WithTypes) and
// reports a path that selects nothing as an error naming the state, the
// path and the fields that exist. It also bounds each state's payload
// against 256 KiB and each path's history events against 25,000
// (warnings; see ChoiceProps.MaxIterations for loops).
//
// Builder values are not safe for concurrent use. A Compiled value is not
// modified by this package after Compile returns and may be shared.
package workflow
