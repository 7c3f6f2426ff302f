# Writes the man pages and the bash completion from the built program (cmake -P, after the
# mpinmf target): `mpinmf --completion bash`, whose subcommands line names the pages to write,
# then `mpinmf [SUBCOMMAND] --man` for each. So the three come from the tables --help prints.
# Expects MPINMF (the program) and OUT (the folder).
file(MAKE_DIRECTORY ${OUT}/man1 ${OUT}/completions)
execute_process(COMMAND ${MPINMF} --completion bash OUTPUT_FILE ${OUT}/completions/mpinmf
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "mpinmf --completion bash failed: ${status}")
endif()
file(STRINGS ${OUT}/completions/mpinmf line REGEX "local subcommands=")
string(REGEX REPLACE ".*subcommands=\"([^\"]*)\".*" "\\1" names "${line}")
separate_arguments(names)
execute_process(COMMAND ${MPINMF} --man OUTPUT_FILE ${OUT}/man1/mpinmf.1 RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "mpinmf --man failed: ${status}")
endif()
foreach(name IN LISTS names)
  execute_process(COMMAND ${MPINMF} ${name} --man OUTPUT_FILE ${OUT}/man1/mpinmf-${name}.1
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "mpinmf ${name} --man failed: ${status}")
  endif()
endforeach()
