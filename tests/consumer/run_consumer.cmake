# tests/consumer/run_consumer.cmake — builds and runs the consumer project one way.
#
#   cmake -DMODE=subdir|install
#         -DCONSUMER_SOURCE_DIR=<tests/consumer> -DWORK_DIR=<scratch dir>
#         -DGORT_SOURCE_DIR=<gort source>       (subdir)
#         -DGORT_BUILD_DIR=<gort build tree>     (install)
#         [-DGENERATOR=...] [-DBUILD_TYPE=...] [-DCXX_COMPILER=...] [-DC_COMPILER=...]
#         [-DLAUNCHER=<ccache>] [-DJOBS=2]
#         -P run_consumer.cmake
#
# subdir:  configures the consumer with USE_SUBDIR=ON, which builds gort from
#          source through add_subdirectory.
# install: builds the gort library in GORT_BUILD_DIR (a no-op when it is up to
#          date), `cmake --install`s it into WORK_DIR/prefix, and configures the
#          consumer with find_package(gort) and CMAKE_PREFIX_PATH=that prefix.
# Then builds the consumer, runs it and expects "consumer ok" and status 0.
cmake_minimum_required(VERSION 3.20)

foreach(var MODE CONSUMER_SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT DEFINED JOBS OR JOBS STREQUAL "")
  set(JOBS 2)
endif()
if(NOT DEFINED BUILD_TYPE OR BUILD_TYPE STREQUAL "")
  set(BUILD_TYPE RelWithDebInfo)
endif()

# Runs a command, echoing it first; stops the test with `what` if it fails.
function(step what)
  string(REPLACE ";" " " shown "${ARGN}")
  message("consumer[${MODE}]: ${what}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer[${MODE}]: ${what} failed (${rc})")
  endif()
endfunction()

set(build_dir "${WORK_DIR}/build")
set(configure_args -S "${CONSUMER_SOURCE_DIR}" -B "${build_dir}"
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(DEFINED GENERATOR AND NOT GENERATOR STREQUAL "")
  list(APPEND configure_args -G "${GENERATOR}")
endif()
if(DEFINED CXX_COMPILER AND NOT CXX_COMPILER STREQUAL "")
  list(APPEND configure_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(DEFINED C_COMPILER AND NOT C_COMPILER STREQUAL "")
  list(APPEND configure_args -DCMAKE_C_COMPILER=${C_COMPILER})
endif()
if(DEFINED LAUNCHER AND NOT LAUNCHER STREQUAL "")
  list(APPEND configure_args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}
       -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER})
endif()

if(MODE STREQUAL "subdir")
  if(NOT EXISTS "${GORT_SOURCE_DIR}/CMakeLists.txt")
    message(FATAL_ERROR "run_consumer.cmake: -DGORT_SOURCE_DIR=<gort source> is required for subdir")
  endif()
  step("configure (add_subdirectory)" ${CMAKE_COMMAND} ${configure_args}
       -DUSE_SUBDIR=ON "-DGORT_SOURCE_DIR=${GORT_SOURCE_DIR}")
elseif(MODE STREQUAL "install")
  if(NOT EXISTS "${GORT_BUILD_DIR}/cmake_install.cmake")
    message(FATAL_ERROR "run_consumer.cmake: -DGORT_BUILD_DIR=<configured gort build tree> is required for install")
  endif()
  set(prefix "${WORK_DIR}/prefix")
  step("build the gort library" ${CMAKE_COMMAND} --build "${GORT_BUILD_DIR}" --target gort -j ${JOBS})
  file(REMOVE_RECURSE "${prefix}")
  step("install gort" ${CMAKE_COMMAND} --install "${GORT_BUILD_DIR}" --prefix "${prefix}")
  step("configure (find_package)" ${CMAKE_COMMAND} ${configure_args}
       -DUSE_SUBDIR=OFF "-DCMAKE_PREFIX_PATH=${prefix}")
  # Prove the package came from the fresh prefix, not from somewhere on the system.
  file(STRINGS "${build_dir}/CMakeCache.txt" gort_dir REGEX "^gort_DIR:")
  string(REGEX REPLACE "^gort_DIR:[A-Z]+=" "" gort_dir "${gort_dir}")
  file(REAL_PATH "${prefix}" real_prefix)
  if(EXISTS "${gort_dir}")
    file(REAL_PATH "${gort_dir}" gort_dir)
  endif()
  string(FIND "${gort_dir}" "${real_prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "consumer[install]: find_package(gort) used '${gort_dir}', not the install in '${prefix}'")
  endif()
  message("consumer[install]: gort_DIR=${gort_dir}")
else()
  message(FATAL_ERROR "run_consumer.cmake: MODE must be subdir or install, not '${MODE}'")
endif()

step("build" ${CMAKE_COMMAND} --build "${build_dir}" -j ${JOBS})

set(exe "${build_dir}/consumer")
message("consumer[${MODE}]: run: ${exe}")
execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 120)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer[${MODE}]: the consumer exited with ${rc}")
endif()
if(NOT out MATCHES "consumer ok")
  message(FATAL_ERROR "consumer[${MODE}]: the consumer did not print 'consumer ok'")
endif()
message("consumer[${MODE}]: passed")
