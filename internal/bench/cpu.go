package bench

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Throughput on a shared two-core machine moves with everything else the
// machine does; the CPU time the server spends per operation moves much
// less, so the report gives both when it knows the server's process.

// userHZ is the unit of the times in /proc/<pid>/stat: Linux reports them in
// USER_HZ, which is 100 on every architecture Go supports.
const userHZ = 100

// processCPU answers the user and system CPU time process pid has used so
// far; ok is false where there is no /proc or no such process.
func processCPU(pid int) (cpu time.Duration, ok bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis (state is field 3, utime 14).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}
