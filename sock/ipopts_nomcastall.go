//go:build !linux

package sock

// optMcastAll: IP_MULTICAST_ALL is Linux's alone.
var optMcastAll = ipOpt{name4: "IP_MULTICAST_ALL", name6: "IPV6_MULTICAST_ALL", opt4: -1, opt6: -1}
