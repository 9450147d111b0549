package netif_test

import (
	"fmt"
	"log"

	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

// The getifaddrs loop: every entry's name, family and address.
func ExampleIfAddrs() {
	ifas, err := netif.IfAddrs()
	if err != nil {
		log.Fatal(err)
	}
	for _, ifa := range ifas {
		switch ifa.Family {
		case sock.AF_INET, sock.AF_INET6:
			fmt.Printf("%-8s %-8v %v\n", ifa.Name, ifa.Family, ifa.Prefix())
		case sock.AF_PACKET:
			fmt.Printf("%-8s %-8v %v %v\n", ifa.Name, ifa.Family, ifa.HardwareAddr, ifa.Flags)
		}
	}
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
