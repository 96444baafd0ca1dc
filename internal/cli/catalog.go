package cli

import "github.com/spf13/cobra"

func catalogCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "catalog", Short: "List plans, indicators and targets", Hidden: true}
}
