// Package loadset adapts a dataset.Set to the loader's Targets: the local
// runtime and tests use it to build a load.Handler from the dataset
// declarations. The Lambda main does not: it takes the same information from
// its environment (load.Config.Targets), so that its binary does not link the
// dataset package and its expression engine.
package loadset
