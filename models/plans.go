package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrPlan is wrapped by ResolvePlan's errors: the text names no plan, or
// several. Commands report it as a usage error.
var ErrPlan = errors.New("unknown plan")

// ResolvePlan finds the one plan a user means by a plan id (zero_waste), a
// document number (伊政办发〔2023〕31号) or a unique suffix of one (31号), in
// the seed_plans of db (a reference database or a warehouse version). The
// same forms `waymark catalog --plan` accepts.
func ResolvePlan(ctx context.Context, db *sql.DB, text string) (string, error) {
	rows, err := db.QueryContext(ctx, `SELECT plan_id FROM seed_plans WHERE plan_id = $1 OR doc_no = $1
		OR (length($1) >= 3 AND suffix(doc_no, $1)) ORDER BY plan_id`, text)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return "", planError(fmt.Sprintf("%q matches no plan id or document number (see `waymark catalog plans`)", text))
	}
	return "", planError(fmt.Sprintf("%q matches several plans (%s): give more of the document number (see `waymark catalog plans`)",
		text, strings.Join(ids, ", ")))
}

// planError is a ResolvePlan error: errors.Is(err, ErrPlan) holds.
type planError string

func (e planError) Error() string        { return string(e) }
func (e planError) Is(target error) bool { return target == ErrPlan }
