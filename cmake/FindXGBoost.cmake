# Finds XGBoost's C API (Debian's libxgboost-dev): XGBoost_FOUND, XGBoost_VERSION and the
# imported target XGBoost::xgboost. Debian's own xgboost-config.cmake cannot be used: its
# targets file also imports the `xgboost` command-line program, from another package, and
# stops the configure when that program is not installed.
find_path(XGBoost_INCLUDE_DIR xgboost/c_api.h)
find_library(XGBoost_LIBRARY NAMES xgboost)
if(XGBoost_INCLUDE_DIR AND EXISTS ${XGBoost_INCLUDE_DIR}/xgboost/version_config.h)
  file(STRINGS ${XGBoost_INCLUDE_DIR}/xgboost/version_config.h _xgb_lines
       REGEX "#define XGBOOST_VER_(MAJOR|MINOR|PATCH) ")
  foreach(part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*XGBOOST_VER_${part} ([0-9]+).*" "\\1" _xgb_${part} "${_xgb_lines}")
  endforeach()
  set(XGBoost_VERSION ${_xgb_MAJOR}.${_xgb_MINOR}.${_xgb_PATCH})
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(XGBoost REQUIRED_VARS XGBoost_LIBRARY XGBoost_INCLUDE_DIR
                                  VERSION_VAR XGBoost_VERSION)
if(XGBoost_FOUND AND NOT TARGET XGBoost::xgboost)
  add_library(XGBoost::xgboost UNKNOWN IMPORTED)
  set_target_properties(XGBoost::xgboost PROPERTIES IMPORTED_LOCATION ${XGBoost_LIBRARY}
                        INTERFACE_INCLUDE_DIRECTORIES ${XGBoost_INCLUDE_DIR})
endif()
mark_as_advanced(XGBoost_INCLUDE_DIR XGBoost_LIBRARY)
