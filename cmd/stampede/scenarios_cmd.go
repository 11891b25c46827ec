package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/scenarios"
)

func newScenariosCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios",
		Long: `List the scenarios built into stampede, with the bundled topology each
runs against. stampede run NAME runs one (starting its topology); stampede
check NAME validates it; copy one from the repository's scenarios/builtin
folder to start your own.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := scenarios.Builtins()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tTOPOLOGY\tDESCRIPTION")
			for _, b := range list {
				topo := b.Topology
				if topo == "" {
					topo = "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", b.Name, topo, b.Description)
			}
			return w.Flush()
		},
	}
}
