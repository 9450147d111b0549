package netif_test

import (
	"fmt"
	"log"

	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

// The getifaddrs loop: every entry's name, family and address. This one
// prints only the loopback interface's IPv4 entry, the one that every
// machine has and that reads the same everywhere (without the if, it
// prints every entry).
func ExampleIfAddrs() {
	ifas, err := netif.IfAddrs()
	if err != nil {
		log.Fatal(err)
	}
	for _, ifa := range ifas {
		if ifa.Flags&netif.IFF_LOOPBACK == 0 || ifa.Family != sock.AF_INET {
			continue
		}
		fmt.Printf("%v %v %v\n", ifa.Family, ifa.Prefix(), ifa.Flags&(netif.IFF_UP|netif.IFF_LOOPBACK))
	}
	// Output:
	// AF_INET 127.0.0.1/8 UP|LOOPBACK
}

// Interfaces groups the same entries by interface. The loopback interface
// (lo on Linux, lo0 on macOS and the BSDs) is up, and ByIndex finds it
// again by its index.
func ExampleInterfaces() {
	ifcs, err := netif.Interfaces()
	if err != nil {
		log.Fatal(err)
	}
	for _, ifc := range ifcs {
		if ifc.Flags&netif.IFF_LOOPBACK == 0 {
			continue
		}
		fmt.Println(ifc.Flags & (netif.IFF_UP | netif.IFF_LOOPBACK))
		for _, a := range ifc.Addrs {
			if a.Family == sock.AF_INET {
				fmt.Println(a.Prefix())
			}
		}
		again, err := netif.ByIndex(ifc.Index)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(again.Name == ifc.Name)
	}
	// Output:
	// UP|LOOPBACK
	// 127.0.0.1/8
	// true
}

func ExampleFlags_String() {
	f := netif.IFF_UP | netif.IFF_BROADCAST | netif.IFF_RUNNING | netif.IFF_MULTICAST
	fmt.Println(f)
	fmt.Println(f&netif.IFF_LOOPBACK != 0)
	// Output:
	// UP|BROADCAST|RUNNING|MULTICAST
	// false
}

func ExampleNameToIndex() {
	// Index 1 is the loopback interface on Linux.
	name, err := netif.IndexToName(1)
	if err != nil {
		log.Fatal(err)
	}
	index, err := netif.NameToIndex(name)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(index)
	_, err = netif.NameToIndex("no-such-if0")
	fmt.Println(err)
	// Output:
	// 1
	// if_nametoindex no-such-if0: no such device
}
