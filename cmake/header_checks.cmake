# deliveryd_header_checks: every public header compiles on its own. For each
# include/deliveryd/**/*.hpp a generated translation unit includes that header
# and nothing else, so a header that leans on what its includer happened to
# include first fails here instead of in the next file that includes it alone.
#
# The objects are compiled with deliveryd_service's include directories and
# flags (-Werror on regardless of DELIVERYD_WERROR: a warning in a public
# header reaches every includer) and linked into nothing. Not part of `all`:
# build it with `cmake --build <tree> --target deliveryd_header_checks`
# (scripts/test.sh does).

file(GLOB_RECURSE DELIVERYD_PUBLIC_HEADERS CONFIGURE_DEPENDS
  RELATIVE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/include/deliveryd/*.hpp)

set(DELIVERYD_HEADER_CHECK_SOURCES)
foreach(header ${DELIVERYD_PUBLIC_HEADERS})
  set(check_source ${CMAKE_BINARY_DIR}/header_checks/${header}.cpp)
  # Included twice: the second inclusion must add nothing (#pragma once).
  # file(CONFIGURE) rewrites the file only when its text changes, so
  # reconfiguring does not recompile every check.
  file(CONFIGURE OUTPUT ${check_source}
    CONTENT "#include \"${header}\"\n#include \"${header}\"\n" @ONLY)
  list(APPEND DELIVERYD_HEADER_CHECK_SOURCES ${check_source})
endforeach()

add_library(deliveryd_header_checks OBJECT EXCLUDE_FROM_ALL ${DELIVERYD_HEADER_CHECK_SOURCES})
# deliveryd_service's public side: its include/ folder, the third-party
# libraries' include directories and definitions, deliveryd_build_flags.
target_link_libraries(deliveryd_header_checks PRIVATE deliveryd_service)
# No debug information and no optimisation: the objects are thrown away, and
# what is checked (that the header compiles cleanly) does not depend on them.
target_compile_options(deliveryd_header_checks PRIVATE -Werror -g0 -O0)
# Each header alone, also in a tree that otherwise compiles in unity batches.
set_target_properties(deliveryd_header_checks PROPERTIES UNITY_BUILD OFF)
