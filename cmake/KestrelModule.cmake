# kestrel_module(NAME DEPS ...): one static library per src/ folder, built from every .cpp in
# that folder and exported as kestrel::NAME. Headers live beside the sources and are included
# as "NAME/file.hpp" (src/ is the include root).
function(kestrel_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(kestrel_${name} STATIC ${sources})
  add_library(kestrel::${name} ALIAS kestrel_${name})
  target_include_directories(kestrel_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kestrel_${name} PUBLIC ${ARG_DEPS})
endfunction()
