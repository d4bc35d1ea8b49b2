package jsonata

import "time"

func formatDateTime(c *call, t time.Time, pic, tz string) (any, error) {
	return t.Format(time.RFC3339), nil
}

func parseWithPicture(c *call, s, pic string) (any, error) {
	return Undefined, nil
}
