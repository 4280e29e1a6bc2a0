# SPDX-License-Identifier: Apache-2.0
# Helpers that keep each component's CMakeLists.txt a few lines long:
#
#   cvmm_component(SOURCES src/a.c ... [LIBS extra-libs...])
#   cvmm_test(NAME n LABELS unit|integration|conformance... SOURCES ...
#             [LIBS ...] [ARGS ...])
#   cvmm_benchmark(NAME n SOURCES ... [LIBS ...])
#
# Everything else comes from the component's manifest.conf: the library is
# cvmm::<name>, it links the components listed under "depends", and it gets
# the integer sanitizers when "guest-data = yes" and the build asks for them.

option(CVMM_BUILD_TESTS "Build tests, benchmarks and README examples" ON)
# Tests that build a whole tree of their own or drive external tools need
# to run in one preset only (default); sanitizer presets turn them off.
option(CVMM_SCRIPT_TESTS "Register tests that build their own trees" ON)
option(CVMM_INTEGER_SANITIZERS
       "Build guest-data components with unsigned-integer-overflow and implicit-conversion checks"
       OFF)
set(CVMM_INTEGER_SANITIZER_FLAGS
    -fsanitize=unsigned-integer-overflow,implicit-conversion
    -fno-sanitize-recover=all)

# Name of the component whose directory we are in (fails outside one).
function(_cvmm_current_component out)
  # Tests and benchmarks live in components/<name>/{tests,bench}.
  set(_dir ${CMAKE_CURRENT_SOURCE_DIR})
  get_filename_component(_name ${_dir} NAME)
  if(_name STREQUAL "tests" OR _name STREQUAL "bench")
    get_filename_component(_dir ${_dir} DIRECTORY)
    get_filename_component(_name ${_dir} NAME)
  endif()
  if(NOT _name IN_LIST CVMM_COMPONENTS)
    message(FATAL_ERROR
      "${CMAKE_CURRENT_LIST_FILE}: '${_name}' is not a component "
      "(no components/${_name}/manifest.conf)")
  endif()
  set(${out} ${_name} PARENT_SCOPE)
endfunction()

# Warnings and language settings shared by every cvmm target.
function(cvmm_target_defaults target)
  target_compile_options(${target} PRIVATE ${CVMM_WARNINGS})
  set_target_properties(${target} PROPERTIES
    C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
endfunction()

function(cvmm_component)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  _cvmm_current_component(name)
  set(target cvmm-${name})

  if(ARG_SOURCES)
    add_library(${target} STATIC ${ARG_SOURCES})
    cvmm_target_defaults(${target})
    target_include_directories(${target} PUBLIC include PRIVATE src)
    set(scope PUBLIC)
    if(CVMM_${name}_GUEST_DATA AND CVMM_INTEGER_SANITIZERS)
      target_compile_options(${target} PRIVATE ${CVMM_INTEGER_SANITIZER_FLAGS})
    endif()
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE include)
    set(scope INTERFACE)
  endif()
  add_library(cvmm::${name} ALIAS ${target})
  foreach(dep IN LISTS CVMM_${name}_DEPENDS)
    target_link_libraries(${target} ${scope} cvmm::${dep})
  endforeach()
  if(ARG_LIBS)
    target_link_libraries(${target} ${scope} ${ARG_LIBS})
  endif()
  set_target_properties(${target} PROPERTIES
    CVMM_COMPONENT ${name} CVMM_VERSION ${CVMM_${name}_VERSION})
  # check-<name> builds everything the gate needs for this component: the
  # library, its tests, benchmarks, README example and fuzz targets.
  if(NOT TARGET check-${name})
    add_custom_target(check-${name})
  endif()
  add_dependencies(check-${name} ${target})
  _cvmm_readme_example(${name})
endfunction()

# Make `target` part of component `name`'s check-<name> build.
function(cvmm_check_depends name target)
  if(NOT TARGET check-${name})
    add_custom_target(check-${name})
  endif()
  add_dependencies(check-${name} ${target})
endfunction()

# In a harness piece's CMakeLists.txt: skip the piece unless every named
# component is in the tree (fixture trees used to test the gate have none).
macro(cvmm_harness_requires)
  foreach(_req ${ARGN})
    if(NOT _req IN_LIST CVMM_COMPONENTS)
      return()
    endif()
  endforeach()
endmacro()

# Every component's README.md carries an example in its first ```c block;
# it is compiled against the component and run as a test, so the example a
# newcomer copies is known to work.
function(_cvmm_readme_example name)
  if(NOT CVMM_BUILD_TESTS)
    return()
  endif()
  set(readme ${CMAKE_CURRENT_SOURCE_DIR}/README.md)
  if(NOT EXISTS ${readme})
    message(FATAL_ERROR "components/${name}: README.md is missing")
  endif()
  file(READ ${readme} text)
  string(FIND "${text}" "\n```c\n" start)
  if(start EQUAL -1)
    return()
  endif()
  math(EXPR start "${start} + 6")
  string(SUBSTRING "${text}" ${start} -1 rest)
  string(FIND "${rest}" "\n```" stop)
  if(stop EQUAL -1)
    message(FATAL_ERROR "${readme}: the ```c block is never closed")
  endif()
  string(SUBSTRING "${rest}" 0 ${stop} code)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/readme_example.c)
  file(CONFIGURE OUTPUT ${src} CONTENT "${code}\n" @ONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${readme})
  add_executable(readme-example-${name} ${src})
  cvmm_check_depends(${name} readme-example-${name})
  cvmm_target_defaults(readme-example-${name})
  target_link_libraries(readme-example-${name} PRIVATE cvmm::${name})
  add_test(NAME ${name}.readme-example COMMAND readme-example-${name})
  set_tests_properties(${name}.readme-example PROPERTIES
    LABELS "unit;docs;${name}" TIMEOUT 60)
endfunction()

function(cvmm_test)
  if(NOT CVMM_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT;EXECUTABLE"
                        "LABELS;SOURCES;LIBS;ARGS" ${ARGN})
  _cvmm_current_component(name)
  if(NOT ARG_LABELS)
    message(FATAL_ERROR "cvmm_test(${ARG_NAME}): LABELS is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # Several tests may share one executable (EXECUTABLE) with different ARGS.
  if(NOT ARG_EXECUTABLE)
    set(ARG_EXECUTABLE ${ARG_NAME})
  endif()
  set(target test-${name}-${ARG_EXECUTABLE})
  if(NOT TARGET ${target})
    add_executable(${target} ${ARG_SOURCES})
    cvmm_check_depends(${name} ${target})
    cvmm_target_defaults(${target})
    target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/../src)
    target_link_libraries(${target} PRIVATE cvmm::${name} cvmm::cmocka ${ARG_LIBS})
  endif()
  add_test(NAME ${name}.${ARG_NAME} COMMAND ${target} ${ARG_ARGS})
  # Exit status 77 means "skipped"; the test prints why before exiting.
  set_tests_properties(${name}.${ARG_NAME} PROPERTIES
    LABELS "${ARG_LABELS};${name}" TIMEOUT ${ARG_TIMEOUT}
    SKIP_RETURN_CODE 77)
endfunction()

# A benchmark is a program, not a test: it prints figures (and ratios against
# a baseline measured in the same run) and is run by ci/bench.sh.
function(cvmm_benchmark)
  if(NOT CVMM_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS" ${ARGN})
  _cvmm_current_component(name)
  set(target bench-${name}-${ARG_NAME})
  add_executable(${target} ${ARG_SOURCES})
  cvmm_check_depends(${name} ${target})
  cvmm_target_defaults(${target})
  target_link_libraries(${target} PRIVATE cvmm::${name} cvmm::bench ${ARG_LIBS})
  set_property(GLOBAL APPEND PROPERTY CVMM_BENCHMARKS ${target})
endfunction()

# A cmocka test of the harness itself (label "harness" added).
function(cvmm_harness_test)
  if(NOT CVMM_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "LABELS;SOURCES;LIBS;ARGS" ${ARGN})
  set(target test-harness-${ARG_NAME})
  add_executable(${target} ${ARG_SOURCES})
  cvmm_target_defaults(${target})
  target_link_libraries(${target} PRIVATE cvmm::cmocka ${ARG_LIBS})
  add_test(NAME harness.${ARG_NAME} COMMAND ${target} ${ARG_ARGS})
  set_tests_properties(harness.${ARG_NAME} PROPERTIES
    LABELS "${ARG_LABELS};harness" TIMEOUT 300)
endfunction()
