// Readers for public cloud workload traces in their original formats (Alibaba cluster-trace-v2018,
// the NASA HTTP requests per second, Azure Functions 2019 invocations per minute), each turned
// into one regular Series. Every error names the file, the line and the column or field.
//
// One reader per file under data/traces/, on top of data/io/; this header gathers them for the
// stream builders (workload_streams.h) and for users who want them all.
#pragma once

#include "evergreen/data/traces/alibaba_trace.h"
#include "evergreen/data/traces/azure_functions.h"
#include "evergreen/data/traces/nasa_requests.h"
#include "evergreen/data/traces/trace_files.h"
#include "evergreen/data/traces/trace_read_report.h"
