# kestrel_module(NAME SOURCES ... DEPS ...): one static library per src/ folder, exported as
# kestrel::NAME. Headers live beside the sources and are included as "NAME/file.hpp".
function(kestrel_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kestrel_${name} STATIC ${ARG_SOURCES})
  add_library(kestrel::${name} ALIAS kestrel_${name})
  target_include_directories(kestrel_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kestrel_${name} PUBLIC ${ARG_DEPS})
endfunction()
