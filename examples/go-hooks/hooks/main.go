// Command go-hooks is a module-sdk batch hook binary for the go-demo module: one executable that
// answers `hook list`, `hook config` and `hook run N`, as addon-operator runs module-sdk hooks
// (github.com/deckhouse/module-sdk, pkg/app). Build it into the module's hooks directory:
//
//	go build -o ../modules/010-go-demo/hooks/go-hooks .
package main

import "github.com/deckhouse/module-sdk/pkg/app"

func main() {
	app.Run()
}
