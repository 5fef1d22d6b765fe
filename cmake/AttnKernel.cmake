# attn_add_kernel(<lib> SOURCE <file.mlir> [TARGET cpu|cuda|...] [CPU <mcpu>]
#                 [GPU_ARCH <sm_80> <sm_90> ...])
#
# Runs attn-compile on <file.mlir> at build time (again whenever the file
# changes) and defines the library <lib>: link it and include "<lib>.h" to
# call attn::kernels::<f>(...), or attn_<f>_f32(...) (TARGET cpu) /
# attn_<f>_cuda(...) (TARGET cuda, device pointers and a stream) for every
# function <f> of the file. The library brings attn::runtime with it; GPU
# kernels need no CUDA at build or link time (the runtime opens the driver
# when it runs). CPU names the host CPU of the kernels (or of the GPU
# library's host code), GPU_ARCH the GPU architectures (default sm_80 and
# sm_90; the PTX of the first runs on newer GPUs too).
function(attn_add_kernel lib)
  cmake_parse_arguments(ARG "" "SOURCE;TARGET;CPU" "GPU_ARCH" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "attn_add_kernel(${lib}): SOURCE <file.mlir> is required")
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET cpu)
  endif()
  # The target is attn-compile's to check (its registry knows the targets):
  # an unknown one, or GPU_ARCH for the cpu, fails the build with its error.
  if(NOT lib MATCHES "^[A-Za-z0-9_]+$")
    message(FATAL_ERROR "attn_add_kernel(${lib}): the name must be letters, digits and underscores")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/attn_kernels/${lib}")
  set(compile_args)
  if(ARG_CPU)
    set(compile_args --mcpu "${ARG_CPU}")
  endif()
  if(ARG_GPU_ARCH)
    string(REPLACE ";" "," archs "${ARG_GPU_ARCH}")
    list(APPEND compile_args --gpu-arch "${archs}")
  endif()
  add_custom_command(
    OUTPUT "${dir}/${lib}.h" "${dir}/${lib}.a"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND attn::attn-compile "${source}" --target ${ARG_TARGET}
            -o "${dir}/${lib}" ${compile_args}
    DEPENDS "${source}" attn::attn-compile
    COMMENT "attn-compile ${ARG_SOURCE}"
    VERBATIM)
  add_custom_target(${lib}_attn_compile DEPENDS "${dir}/${lib}.h" "${dir}/${lib}.a")
  # An imported static library, so that CMake orders attn::runtime after
  # every kernel library that needs it on the link line.
  file(MAKE_DIRECTORY "${dir}")
  add_library(${lib} STATIC IMPORTED GLOBAL)
  set_target_properties(${lib} PROPERTIES
    IMPORTED_LOCATION "${dir}/${lib}.a"
    INTERFACE_INCLUDE_DIRECTORIES "${dir}"
    INTERFACE_LINK_LIBRARIES attn::runtime)
  add_dependencies(${lib} ${lib}_attn_compile)
endfunction()
