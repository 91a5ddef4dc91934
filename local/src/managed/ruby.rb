# faqctl local's runtime interface client for Lambda's ruby3.x runtimes: what
# /var/runtime/bootstrap runs on AWS (aws_lambda_ric), for the handler in LAMBDA_TASK_ROOT. It
# speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, as every bootstrap does; its
# answers and log lines are AWS's (see docs/parity.md, "Ruby handlers").
require 'json'
require 'logger'
require 'net/http'
require 'stringio'

$stdout.sync = true

module FaqctlRuntime
  # What aws_lambda_ric 3.1.3 (the recorded RUBYLIB's) calls itself.
  USER_AGENT = "aws-lambda-ruby/#{RUBY_VERSION}-3.1.3"
  API = "http://#{ENV['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"
  TASK_ROOT = ENV['LAMBDA_TASK_ROOT'] || Dir.pwd
  # Paths of the code as the function sees them on AWS.
  SHOWN_ROOT = '/var/task'

  # The descriptor AWS's platform reads log events from, each a frame: type 0xa55a0003, the
  # message's length, a timestamp in microseconds (big-endian), then the message. The handler
  # never sees the variable.
  class TelemetrySink
    def initialize(io)
      @io = io
      @lock = Mutex.new
    end

    def write(message)
      message = message.to_s
      return $stdout.write(message) if @io.nil? || @io.closed?

      data = message.dup.force_encoding(Encoding::BINARY)
      frame = [0xa55a0003, data.bytesize, (Time.now.to_f * 1_000_000).to_i].pack('L>L>Q>') + data
      @lock.synchronize { @io.write(frame) }
    end

    def reopen(_log = nil); end

    def close; end
  end

  # The environment the runtime was started with, for a start afresh (`restart`).
  STARTED_WITH = ENV.to_h.freeze
  fd = ENV.delete('_LAMBDA_TELEMETRY_LOG_FD')
  telemetry = begin
    fd && IO.new(fd.to_i, 'wb').tap { |io| io.sync = true }
  rescue Errno::EBADF, Errno::ENOENT
    nil
  end
  SINK = TelemetrySink.new(telemetry)
  TELEMETRY = !telemetry.nil?

  # A logger's line as aws_lambda_ric formats it.
  class LogFormatter < Logger::Formatter
    FORMAT = '%<sev>s, [%<datetime>s #%<process>d] %<severity>5s %<request_id>s -- %<progname>s: %<msg>s'

    def call(severity, time, progname, msg)
      formatted = format(FORMAT, sev: severity[0..0], datetime: format_datetime(time), process: $$,
                                 severity: severity, request_id: $_global_aws_request_id,
                                 progname: progname, msg: msg2str(msg))
      "#{formatted.encode('UTF-8', invalid: :replace, undef: :replace, replace: "\uFFFD")}\n"
    end
  end

  # A Logger of $stdout or $stderr writes to the descriptor, each record one event.
  module LoggerPatch
    def initialize(logdev = nil, *args, **options)
      if !logdev || logdev == $stdout || logdev == $stderr
        logdev = FaqctlRuntime::SINK
        options[:formatter] ||= FaqctlRuntime::LogFormatter.new
      end
      super(logdev, *args, **options)
    end
  end

  # The error a handler raised (or its loading), as aws_lambda_ric reports it.
  class LambdaError < StandardError
    ALLOWED = %w[ArgumentError NoMethodError Exception StandardError NameError LoadError SystemExit SystemStackError].freeze

    def initialize(original, classification = 'Function')
      @error_class = original.class.to_s
      @error_type = "#{classification}<#{original.class}>"
      @error_message = original.message
      @stack_trace = FaqctlRuntime.stack_trace(original.backtrace_locations)
      super(original.message)
    end

    # What the Runtime API is told (`Lambda-Runtime-Function-Error-Type`).
    def runtime_error_type
      ALLOWED.include?(@error_class) ? @error_type : 'Function<UserException>'
    end

    def to_lambda_response
      { errorMessage: @error_message, errorType: @error_type, stackTrace: @stack_trace }
    end
  end

  class HandlerError < LambdaError; end

  class CriticalError < LambdaError; end

  class RuntimeFault < LambdaError
    def initialize(original)
      super(original, 'Runtime')
    end
  end

  class InitError < LambdaError
    def initialize(original)
      super(original, 'Init')
    end
  end

  # A context's members and its one method, as aws_lambda_ric's LambdaContext has them.
  class LambdaContext
    attr_reader :aws_request_id, :invoked_function_arn, :log_group_name,
                :log_stream_name, :function_name, :memory_limit_in_mb, :function_version,
                :identity, :tenant_id, :client_context, :deadline_ms

    def initialize(request)
      @clock_diff = Process.clock_gettime(Process::CLOCK_REALTIME, :millisecond) -
                    Process.clock_gettime(Process::CLOCK_MONOTONIC, :millisecond)
      @deadline_ms = request['Lambda-Runtime-Deadline-Ms'].to_i
      @aws_request_id = request['Lambda-Runtime-Aws-Request-Id']
      @invoked_function_arn = request['Lambda-Runtime-Invoked-Function-Arn']
      @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
      @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
      @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
      @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
      @function_version = ENV['AWS_LAMBDA_FUNCTION_VERSION']
      identity = request['Lambda-Runtime-Cognito-Identity'].to_s
      @identity = JSON.parse(identity) unless identity.empty?
      tenant = request['Lambda-Runtime-Aws-Tenant-Id'].to_s
      @tenant_id = tenant unless tenant.empty?
      client_context = request['Lambda-Runtime-Client-Context'].to_s
      @client_context = JSON.parse(client_context) unless client_context.empty?
    end

    def get_remaining_time_in_millis
      now = Process.clock_gettime(Process::CLOCK_MONOTONIC, :millisecond) + @clock_diff
      remaining = @deadline_ms - now
      remaining.positive? ? remaining : 0
    end
  end

  module_function

  # The trace's entries up to the first of this client's own (AWS's cut at /var/runtime/lib),
  # with the code's paths as the function sees them.
  def stack_trace(locations)
    trace = []
    (locations || []).first(100).each do |location|
      break if location.path == '-e'

      line = location.to_s
      line = SHOWN_ROOT + line[TASK_ROOT.length..] if line.start_with?("#{TASK_ROOT}/")
      trace << line
    end
    trace
  end

  def log_error(error, message)
    puts message if message
    puts JSON.pretty_generate(error.to_lambda_response)
  end

  # The Runtime API is reached directly, whatever proxy the function's environment names.
  def http
    uri = URI(API)
    Net::HTTP.new(uri.host, uri.port, nil)
  end

  def post(path, body, headers)
    http.start { |connection| connection.post("#{URI(API).path}/#{path}", body, headers) }
  end

  def next_invocation
    uri = URI("#{API}/invocation/next")
    connection = http
    connection.read_timeout = 1_000_000
    answer = connection.start { |c| c.get(uri.path, { 'User-Agent' => USER_AGENT }) }
    raise "Received #{answer.code} when waiting for next invocation." unless answer.is_a?(Net::HTTPSuccess)

    answer
  end

  def send_error(path, error)
    headers = { 'Lambda-Runtime-Function-Error-Type' => error.runtime_error_type, 'User-Agent' => USER_AGENT }
    post(path, error.to_lambda_response.to_json, headers)
  end

  # The handler named `FILE.METHOD` or `FILE.CLASS.METHOD`, its file required from the task root.
  class Handler
    attr_reader :file

    def initialize(name)
      parts = name.split('.')
      case parts.size
      when 2 then @file, @method = parts
      when 3 then @file, @class_name, @method = parts
      else
        raise ArgumentError, "Invalid handler #{parts}, must be of form FILENAME.METHOD or FILENAME.CLASS.METHOD where FILENAME corresponds with an existing Ruby source file FILENAME.rb, CLASS is an optional module/class namespace and METHOD is a callable method. If using CLASS, METHOD must be a class-level method."
      end
    end

    # The handler's answer and its content type; what it raised, classified as AWS's client does.
    def call(event, context)
      options = { event: event, context: context }
      response = if @class_name
                   Kernel.const_get(@class_name).send(@method, **options)
                 else
                   TOPLEVEL_BINDING.receiver.__send__(@method, **options)
                 end
      case response
      when StringIO, IO then [response.read, 'application/unknown']
      else [response.to_json, 'application/json']
      end
    rescue NoMethodError, NameError => e
      raise CriticalError, e
    rescue StandardError => e
      raise HandlerError, e
    rescue Exception => e # rubocop:disable Lint/RescueException
      raise CriticalError, e
    end
  end

  def run
    Kernel.module_eval do
      # Each `puts` one log event, as aws_lambda_ric makes it.
      def puts(*args)
        message = args.flatten.collect { |a| a.to_s.encode('UTF-8') }.join("\n")
        message += "\n" if message[-1] != "\n"
        FaqctlRuntime::SINK.write(message)
        nil
      end
    end if TELEMETRY
    Logger.prepend(LoggerPatch) if TELEMETRY
    Dir.chdir(TASK_ROOT)
    $LOAD_PATH.unshift(TASK_ROOT) unless $LOAD_PATH.include?(TASK_ROOT)
    begin
      handler = Handler.new(ENV['_HANDLER'].to_s)
      require handler.file
      loop_invocations(handler)
    rescue Exception => e # rubocop:disable Lint/RescueException
      # A handler that cannot be loaded (or a fault outside any handler's call).
      error = InitError.new(e)
      log_error(error, 'Init error when loading handler ')
      send_error('init/error', error)
      exit(-4)
    end
  end

  # aws_lambda_ric ends its process after a critical error, and Lambda starts the runtime
  # afresh for the next event; here the client starts afresh in the same process (the local
  # cloud would take an exit between two events for the next one's failure), with the
  # environment and descriptors it was started with.
  def restart
    $stdout.flush
    $stderr.flush
    command = File.binread('/proc/self/cmdline').split("\0")
    kept = {}
    telemetry = STARTED_WITH['_LAMBDA_TELEMETRY_LOG_FD']
    kept[telemetry.to_i] = telemetry.to_i if telemetry
    exec(STARTED_WITH, *command, unsetenv_others: true, **kept)
  end

  def loop_invocations(handler)
    loop do
      answer = next_invocation
      request_id = answer['Lambda-Runtime-Aws-Request-Id']
      $_global_aws_request_id = request_id
      trace_id = answer['Lambda-Runtime-Trace-Id']
      ENV['_X_AMZN_TRACE_ID'] = trace_id if trace_id
      event = answer['Content-Type'] == 'application/json' ? JSON.parse(answer.body) : answer.body
      restart if invoke(handler, request_id, event, LambdaContext.new(answer))
    end
  end

  # One invocation; true when AWS's client would end its process after it (a critical error,
  # an answer it could not send).
  def invoke(handler, request_id, event, context)
    body, content_type = begin
      handler.call(event, context)
    rescue HandlerError => e
      log_error(e, 'Error raised from handler method')
      send_error("invocation/#{request_id}/error", e)
      return false
    rescue CriticalError => e
      log_error(e, 'Critical exception from handler')
      send_error("invocation/#{request_id}/error", e)
      return true
    end
    begin
      post("invocation/#{request_id}/response", body,
           { 'Content-Type' => content_type, 'User-Agent' => USER_AGENT })
      false
    rescue StandardError => e
      send_error("invocation/#{request_id}/error", RuntimeFault.new(e))
      true
    end
  end
end

FaqctlRuntime.run
