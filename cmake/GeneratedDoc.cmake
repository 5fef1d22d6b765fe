# Writes or checks a doc generated from ODS.
#   cmake -DMODE=update|check -DIN=<generated.md> -DOUT=<docs/x.md> -P GeneratedDoc.cmake
# The committed doc is a comment line plus the generated text; `check` fails
# when the committed copy is stale.
file(READ "${IN}" body)
set(content "<!-- Generated from ODS by `make docs`; do not edit. -->\n${body}")
if(MODE STREQUAL "update")
  file(WRITE "${OUT}" "${content}")
  message(STATUS "wrote ${OUT}")
elseif(MODE STREQUAL "check")
  if(NOT EXISTS "${OUT}")
    message(FATAL_ERROR "${OUT} is missing: run `make docs`")
  endif()
  file(READ "${OUT}" committed)
  if(NOT committed STREQUAL content)
    message(FATAL_ERROR "${OUT} is stale (the .td files changed): run `make docs` and commit it")
  endif()
else()
  message(FATAL_ERROR "MODE must be update or check")
endif()
