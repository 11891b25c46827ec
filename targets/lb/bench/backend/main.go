// Command backend is the benchmark's backend: n tiny HTTP/1.1 servers in one
// process, on consecutive ports of 127.0.0.1, each answering every request
// with 200, a fixed body and "X-Backend: b<i>". It exits by itself after
// -max, so a benchmark cannot leave it behind.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 4, "number of backends")
	port := flag.Int("port", 19001, "port of the first backend; the others follow")
	size := flag.Int("size", 64, "response body size in bytes")
	maxLife := flag.Duration("max", 5*time.Minute, "exit after this long, whatever happens")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxLife)
	defer cancel()

	body := []byte(strings.Repeat("x", *size))
	length := []string{strconv.Itoa(len(body))}
	ctype := []string{"text/plain"}
	for i := range *n {
		id := []string{fmt.Sprintf("b%d", i+1)}
		h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hd := w.Header()
			hd["X-Backend"] = id
			hd["Content-Type"] = ctype
			hd["Content-Length"] = length
			_, _ = w.Write(body)
		})
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(*port+i))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		context.AfterFunc(ctx, func() { _ = srv.Close() })
	}
	fmt.Printf("backends ready on 127.0.0.1:%d..%d\n", *port, *port+*n-1)
	<-ctx.Done()
}
