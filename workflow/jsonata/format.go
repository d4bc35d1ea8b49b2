package jsonata

func defFormat() {}
