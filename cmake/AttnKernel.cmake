# attn_add_kernel(<lib> SOURCE <file.mlir> [TARGET cpu|cuda] [CPU <mcpu>])
#
# Runs attn-compile on <file.mlir> at build time (again whenever the file
# changes) and defines the library <lib>: link it and include "<lib>.h" to
# call attn::kernels::<f>(...) or attn_<f>_f32(...) for every function <f>
# of the file. The library brings attn::runtime with it.
function(attn_add_kernel lib)
  cmake_parse_arguments(ARG "" "SOURCE;TARGET;CPU" "" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "attn_add_kernel(${lib}): SOURCE <file.mlir> is required")
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET cpu)
  endif()
  if(NOT ARG_TARGET STREQUAL "cpu")
    message(FATAL_ERROR "attn_add_kernel(${lib}): TARGET ${ARG_TARGET} is not supported yet (cpu)")
  endif()
  if(NOT lib MATCHES "^[A-Za-z0-9_]+$")
    message(FATAL_ERROR "attn_add_kernel(${lib}): the name must be letters, digits and underscores")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/attn_kernels/${lib}")
  set(cpu_args)
  if(ARG_CPU)
    set(cpu_args --mcpu "${ARG_CPU}")
  endif()
  add_custom_command(
    OUTPUT "${dir}/${lib}.h" "${dir}/${lib}.a"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND attn::attn-compile "${source}" --target ${ARG_TARGET}
            -o "${dir}/${lib}" ${cpu_args}
    DEPENDS "${source}" attn::attn-compile
    COMMENT "attn-compile ${ARG_SOURCE}"
    VERBATIM)
  add_custom_target(${lib}_attn_compile DEPENDS "${dir}/${lib}.h" "${dir}/${lib}.a")
  add_library(${lib} INTERFACE)
  add_dependencies(${lib} ${lib}_attn_compile)
  target_include_directories(${lib} INTERFACE "${dir}")
  target_link_libraries(${lib} INTERFACE "${dir}/${lib}.a" attn::runtime)
endfunction()
