// The one statement that puts polled rows back on the schedule. Private to
// store/.
#pragma once

#include <span>

#include <pqxx/transaction_base>

#include "deliveryd/store/reschedule.hpp"

namespace deliveryd::store {

// Writes each row's next poll (NULL for a row that is final by now, as this
// transaction sees it) and adds its answered polls to poll_attempts, locking
// the rows in key order. Ids without a row are skipped. An id given twice
// counts each answer and keeps the later next poll, as two calls in a row
// would. One statement: on a nontransaction it commits by itself.
void reschedule_rows(pqxx::transaction_base& tx, std::span<const Reschedule> rows);

}  // namespace deliveryd::store
