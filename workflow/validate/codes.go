package validate

// Issue codes. They are stable identifiers: tools and tests match on them, so
// a code is never renamed or reused for another meaning. docs/lint.md lists
// them with examples.
const (
	// CodeSchemaError: the document is not ASL in shape: an unknown field, a
	// value of the wrong JSON type, a state without a known Type.
	CodeSchemaError = "SchemaError"
	// CodeTooManyIssues: the cap was reached; the message says how many
	// issues were left out.
	CodeTooManyIssues = "TooManyIssues"
	// CodeDefinitionTooLarge: the definition exceeds Step Functions' 1 MiB
	// limit.
	CodeDefinitionTooLarge = "DefinitionTooLarge"

	// CodeMissingStartAt: a machine or graph has no StartAt.
	CodeMissingStartAt = "MissingStartAt"
	// CodeUnknownStartAt: StartAt names no state of its graph.
	CodeUnknownStartAt = "UnknownStartAt"
	// CodeEmptyStates: a machine or graph has no states.
	CodeEmptyStates = "EmptyStates"
	// CodeDuplicateStateName: two states share a name, in the same graph or
	// across nested graphs (Step Functions requires names unique in the
	// whole machine).
	CodeDuplicateStateName = "DuplicateStateName"
	// CodeInvalidStateName: a state name is empty or longer than 80
	// characters.
	CodeInvalidStateName = "InvalidStateName"
	// CodeUnreachableState: no path of transitions leads from StartAt to the
	// state.
	CodeUnreachableState = "UnreachableState"
	// CodeMissingNextTarget: Next, Default or a Catch's Next names no state
	// at all.
	CodeMissingNextTarget = "MissingNextTarget"
	// CodeTransitionOutsideGraph: a transition names a state of another graph,
	// for example a state inside a Map's ItemProcessor pointing at a state
	// outside the Map.
	CodeTransitionOutsideGraph = "TransitionOutsideGraph"
	// CodeMissingTransition: a Task, Pass, Wait, Parallel or Map state has
	// neither Next nor End.
	CodeMissingTransition = "MissingTransition"
	// CodeNextAndEnd: a state has both Next and End.
	CodeNextAndEnd = "NextAndEnd"
	// CodeTransitionNotAllowed: a Choice, Succeed or Fail state has Next or
	// End.
	CodeTransitionNotAllowed = "TransitionNotAllowed"
	// CodeFieldNotAllowed: an ASL field that this state type does not take,
	// such as Parameters on a Wait state.
	CodeFieldNotAllowed = "FieldNotAllowed"
	// CodeFieldNotInQueryLanguage: a field of the other query language, such
	// as Parameters in a JSONata state or Arguments in a JSONPath state.
	CodeFieldNotInQueryLanguage = "FieldNotInQueryLanguage"
	// CodeInvalidQueryLanguage: QueryLanguage is neither JSONPath nor
	// JSONata, or a state asks for JSONPath inside a JSONata machine.
	CodeInvalidQueryLanguage = "InvalidQueryLanguage"
	// CodeMutuallyExclusiveFields: two fields that exclude each other, such
	// as TimeoutSeconds and TimeoutSecondsPath, or Error and ErrorPath.
	CodeMutuallyExclusiveFields = "MutuallyExclusiveFields"
	// CodeValueOutOfRange: a number outside its allowed range, such as
	// TimeoutSeconds 0 or MaxConcurrency -1.
	CodeValueOutOfRange = "ValueOutOfRange"
	// CodeInvalidEnum: a string field outside its set of values, such as a
	// ProcessorConfig Mode of "FAST".
	CodeInvalidEnum = "InvalidEnum"
	// CodeMissingResource: a Task (or ItemReader) has no Resource.
	CodeMissingResource = "MissingResource"
	// CodeInvalidResource: a Resource that is not an ARN.
	CodeInvalidResource = "InvalidResource"
	// CodeHeartbeatNotBelowTimeout: HeartbeatSeconds is not less than
	// TimeoutSeconds.
	CodeHeartbeatNotBelowTimeout = "HeartbeatNotBelowTimeout"

	// CodeChoiceWithoutChoices: a Choice state with an empty Choices array.
	CodeChoiceWithoutChoices = "ChoiceWithoutChoices"
	// CodeChoiceRuleOperator: a JSONPath Choice rule with no comparison
	// operator and no And/Or/Not, or with several.
	CodeChoiceRuleOperator = "ChoiceRuleOperator"
	// CodeChoiceRuleVariable: a comparison without Variable, or a Variable
	// on an And/Or/Not rule.
	CodeChoiceRuleVariable = "ChoiceRuleVariable"
	// CodeChoiceRuleNext: a top-level rule without Next, or a nested rule
	// with one.
	CodeChoiceRuleNext = "ChoiceRuleNext"
	// CodeChoiceOperandType: an operand of the wrong type, such as
	// StringEquals with a number, or a timestamp that is not RFC 3339.
	CodeChoiceOperandType = "ChoiceOperandType"
	// CodeChoiceRuleCondition: a JSONata rule without Condition.
	CodeChoiceRuleCondition = "ChoiceRuleCondition"

	// CodeWaitDuration: a Wait state with none, or more than one, of Seconds,
	// SecondsPath, Timestamp and TimestampPath.
	CodeWaitDuration = "WaitDuration"
	// CodeNegativeWait: a Wait state with negative Seconds.
	CodeNegativeWait = "NegativeWait"
	// CodeInvalidTimestamp: a timestamp that is not RFC 3339.
	CodeInvalidTimestamp = "InvalidTimestamp"

	// CodeEmptyErrorEquals: a retrier or catcher with an empty ErrorEquals.
	CodeEmptyErrorEquals = "EmptyErrorEquals"
	// CodeErrorAllNotAlone: States.ALL shares its ErrorEquals with other
	// names.
	CodeErrorAllNotAlone = "ErrorAllNotAlone"
	// CodeErrorAllNotLast: a retrier or catcher matching States.ALL is
	// followed by another one, which can never match.
	CodeErrorAllNotLast = "ErrorAllNotLast"
	// CodeBackoffRateBelowOne: BackoffRate is less than 1.0.
	CodeBackoffRateBelowOne = "BackoffRateBelowOne"
	// CodeRetryOutOfRange: MaxAttempts, IntervalSeconds or MaxDelaySeconds
	// outside the range Step Functions accepts.
	CodeRetryOutOfRange = "RetryOutOfRange"
	// CodeInvalidJitterStrategy: JitterStrategy is neither FULL nor NONE.
	CodeInvalidJitterStrategy = "InvalidJitterStrategy"

	// CodeParallelWithoutBranches: a Parallel state with no branches.
	CodeParallelWithoutBranches = "ParallelWithoutBranches"
	// CodeMapProcessor: a Map state with neither ItemProcessor nor Iterator,
	// or with both.
	CodeMapProcessor = "MapProcessor"
	// CodeDistributedOnly: a field that only a DISTRIBUTED Map takes
	// (ItemReader, ItemBatcher, ResultWriter, ToleratedFailure*, Label) on an
	// INLINE Map.
	CodeDistributedOnly = "DistributedOnly"
	// CodeProcessorConfigOutsideMap: ProcessorConfig on a Parallel branch.
	CodeProcessorConfigOutsideMap = "ProcessorConfigOutsideMap"

	// CodeInvalidJSONPath: a Path field or a ".$" value that does not parse.
	CodeInvalidJSONPath = "InvalidJSONPath"
	// CodeInvalidReferencePath: a ResultPath (or other reference path) that
	// uses wildcards, filters, slices or other non-definite operators.
	CodeInvalidReferencePath = "InvalidReferencePath"
	// CodeInvalidDynamicValue: a ".$" key whose value is not a string.
	CodeInvalidDynamicValue = "InvalidDynamicValue"
	// CodeInvalidIntrinsic: an intrinsic function call with a syntax error.
	CodeInvalidIntrinsic = "InvalidIntrinsic"
	// CodeUnknownIntrinsic: a call of a function that does not exist.
	CodeUnknownIntrinsic = "UnknownIntrinsic"
	// CodeIntrinsicArity: an intrinsic function called with the wrong
	// number of arguments.
	CodeIntrinsicArity = "IntrinsicArity"
	// CodeInvalidJSONata: a JSONata expression with a syntax error.
	CodeInvalidJSONata = "InvalidJSONata"
	// CodeJSONataNotWrapped: a string that starts a JSONata expression but is
	// not one whole "{% ... %}", or a field that must be an expression.
	CodeJSONataNotWrapped = "JSONataNotWrapped"

	// CodeInvalidVariableName: an Assign key that is not a valid variable
	// name.
	CodeInvalidVariableName = "InvalidVariableName"
	// CodeUndefinedVariable (warning): a variable that no state of the
	// machine assigns. Step Functions accepts the definition; the state
	// reading it fails at run time.
	CodeUndefinedVariable = "UndefinedVariable"
	// CodeVariableMaybeUnassigned (warning): a variable that some state
	// assigns, but on no path that leads to the state reading it.
	CodeVariableMaybeUnassigned = "VariableMaybeUnassigned"

	// CodeExpressUnsupportedIntegration: a .sync or .waitForTaskToken
	// integration in an Express machine, or in the processor of a
	// DISTRIBUTED Map whose ExecutionType is EXPRESS.
	CodeExpressUnsupportedIntegration = "ExpressUnsupportedIntegration"
	// CodeExpressActivity: an activity task in an Express machine or Express
	// child execution.
	CodeExpressActivity = "ExpressActivity"
	// CodeExpressDistributedMap (warning): a DISTRIBUTED Map in an Express
	// machine.
	CodeExpressDistributedMap = "ExpressDistributedMap"

	// CodeLambdaRetryMissing (warning): a Lambda task that does not retry
	// Lambda.ServiceException, Lambda.SdkClientException and
	// Lambda.TooManyRequestsException (AWS's recommended retrier).
	CodeLambdaRetryMissing = "LambdaRetryMissing"
	// CodeChoiceWithoutDefault (warning): a Choice state without Default
	// fails with States.NoChoiceMatched when no rule matches.
	CodeChoiceWithoutDefault = "ChoiceWithoutDefault"
	// CodeTaskWithoutTimeout (warning): a Task without TimeoutSeconds or
	// TimeoutSecondsPath can wait for as long as the execution lasts.
	CodeTaskWithoutTimeout = "TaskWithoutTimeout"

	// Data flow (see Types): what a state reads against what the states
	// before it produce. Warnings, because Step Functions accepts such a
	// definition and fails the state at run time; the workflow builder's
	// Compile makes them errors.

	// CodeUnknownPathField (warning): a path (a ".$" value, InputPath, a Choice
	// Variable, a JSONata $states.input reference, ...) names a member that
	// no state before it produces; the message lists the members that exist.
	CodeUnknownPathField = "UnknownPathField"
	// CodePathTypeMismatch (warning): a path steps into a value of the wrong kind: a
	// member of a string, an index of an object, Map items that are not an
	// array.
	CodePathTypeMismatch = "PathTypeMismatch"
	// CodeUnknownInputField (warning): a Parameters key that is not a field of the
	// Go type the task's handler decodes its input into.
	CodeUnknownInputField = "UnknownInputField"
	// CodeMissingInputField (warning): Parameters that do not set a field
	// the task's input type requires (one without omitempty), or, without
	// Parameters, an input that lacks one.
	CodeMissingInputField = "MissingInputField"

	// Budgets: Step Functions' quotas, checked statically.

	// CodePayloadTooLarge (warning): a state's input or output can exceed
	// the 256 KiB payload quota, going by the declared types and bounds.
	CodePayloadTooLarge = "PayloadTooLarge"
	// CodeHistoryTooLong (warning): a path through the machine can emit
	// more than 25,000 history events, the quota of a Standard execution.
	CodeHistoryTooLong = "HistoryTooLong"
	// CodeUnboundedLoop (warning): a loop (a transition back to an earlier
	// state) with no declared bound on its iterations can emit any number
	// of history events.
	CodeUnboundedLoop = "UnboundedLoop"
)
