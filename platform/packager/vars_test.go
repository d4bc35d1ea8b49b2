package packager

import "time"

var time1999 = time.Date(1999, 12, 31, 23, 59, 0, 0, time.UTC)
