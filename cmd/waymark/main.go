package main
import (
 _ "github.com/duckdb/duckdb-go/v2"
 _ "github.com/parquet-go/parquet-go"
 _ "github.com/spf13/cobra"
 _ "github.com/xuri/excelize/v2"
 _ "github.com/grafana/grafana-foundation-sdk/go/dashboard"
 _ "go.yaml.in/yaml/v3"
 _ "github.com/robfig/cron/v3"
)
func main(){}
