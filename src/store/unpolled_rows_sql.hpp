// The statements of find_unpolled_rows on eSMS rows, shared with their plan
// test: the unconfigured accounts ($1: the polled accounts), and the
// unresolved rows of each of some accounts ($1: the accounts, $2: the cap).
#pragma once

namespace deliveryd::store::unpolled_rows_sql {

extern const char* const esms_accounts;
extern const char* const esms_rows;

}  // namespace deliveryd::store::unpolled_rows_sql
