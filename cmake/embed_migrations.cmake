# Writes a C++ source holding every sql/NNN_name.sql file, in version order.
# Run as: cmake -DSQL_DIR=... -DOUTPUT=... -P embed_migrations.cmake
file(GLOB files "${SQL_DIR}/[0-9]*.sql")
list(SORT files)
set(body "")
foreach(path ${files})
  get_filename_component(name ${path} NAME_WE)
  file(READ ${path} text)
  string(FIND "${text}" ")deliveryd_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains the raw-string delimiter")
  endif()
  string(APPEND body "    {\"${name}\", R\"deliveryd_sql(${text})deliveryd_sql\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from sql/ by cmake/embed_migrations.cmake. Do not edit.
#include \"deliveryd/store/migrations.hpp\"

namespace deliveryd::store {

const std::vector<MigrationSource>& embedded_migrations() {
    static const std::vector<MigrationSource> migrations{
${body}    };
    return migrations;
}

}  // namespace deliveryd::store
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
