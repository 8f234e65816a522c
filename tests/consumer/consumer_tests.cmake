# tests/consumer/consumer_tests.cmake — include()d by tests/CMakeLists.txt.
#
# Registers two ctest tests that prove gort works from a project of its own:
#   consumer.add_subdirectory  builds tests/consumer with USE_SUBDIR=ON (gort from source)
#   consumer.find_package      installs this build's gort into a prefix under the
#                              build tree and builds tests/consumer against it
# Each uses its own scratch directory, so they run side by side under ctest -j.
# They need the gort library target (defined before tests/ is added).
include_guard(GLOBAL)

set(_gort_consumer_dir "${CMAKE_CURRENT_LIST_DIR}")
get_filename_component(_gort_source_dir "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
get_target_property(_gort_build_dir gort BINARY_DIR)  # where the install rules live
set(_gort_consumer_work "${CMAKE_CURRENT_BINARY_DIR}/consumer")

set(_gort_consumer_common
  -DCONSUMER_SOURCE_DIR=${_gort_consumer_dir}
  "-DGENERATOR=${CMAKE_GENERATOR}"
  -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
  -DC_COMPILER=${CMAKE_C_COMPILER}
  -DBUILD_TYPE=${CMAKE_BUILD_TYPE})
find_program(GORT_CONSUMER_CCACHE ccache)
mark_as_advanced(GORT_CONSUMER_CCACHE)
if(GORT_CONSUMER_CCACHE)
  list(APPEND _gort_consumer_common -DLAUNCHER=${GORT_CONSUMER_CCACHE})
endif()

add_test(NAME consumer.add_subdirectory
  COMMAND ${CMAKE_COMMAND} -DMODE=subdir ${_gort_consumer_common}
          -DGORT_SOURCE_DIR=${_gort_source_dir}
          -DWORK_DIR=${_gort_consumer_work}/subdir
          -P ${_gort_consumer_dir}/run_consumer.cmake)
add_test(NAME consumer.find_package
  COMMAND ${CMAKE_COMMAND} -DMODE=install ${_gort_consumer_common}
          -DGORT_BUILD_DIR=${_gort_build_dir}
          -DWORK_DIR=${_gort_consumer_work}/install
          -P ${_gort_consumer_dir}/run_consumer.cmake)
# Building gort from scratch on a busy 2-core machine takes minutes.
set_tests_properties(consumer.add_subdirectory consumer.find_package PROPERTIES
  TIMEOUT 1200
  LABELS consumer)
