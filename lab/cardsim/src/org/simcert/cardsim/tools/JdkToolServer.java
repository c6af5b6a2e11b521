package org.simcert.cardsim.tools;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.spi.ToolProvider;

/**
 * The JDK's javac and javap for a test run that calls them many times: each call runs in this one JVM, through
 * java.util.spi.ToolProvider, instead of starting a JVM of its own (and compiling javac's own code again) each time.
 *
 *   java -cp <cardsim classes> org.simcert.cardsim.tools.JdkToolServer
 *
 * prints "jdktools: listening on PORT" (loopback) and takes one call per connection: the tool's name on the first
 * line, then its arguments, one per line, then an empty line. The answer is one line "exit CODE OUT ERR", the tool's
 * exit code and the byte lengths of its standard output and standard error, followed by those bytes (UTF-8); then
 * the connection closes. Paths in the arguments are taken relative to this process's working directory.
 */
public final class JdkToolServer {
    private static final List<String> TOOLS = List.of("javac", "javap");

    private JdkToolServer() {
    }

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("jdktools: listening on " + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> answer(s), "jdk-tool-call");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void answer(Socket s) {
        try (Socket socket = s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String name = in.readLine();
            if (name == null || name.isEmpty()) {
                return; // a caller that only checked this server is up
            }
            List<String> toolArgs = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                toolArgs.add(line);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = run(name, toolArgs.toArray(new String[0]), out, err);
            OutputStream reply = socket.getOutputStream();
            reply.write(("exit " + code + " " + out.size() + " " + err.size() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.writeTo(reply);
            err.writeTo(reply);
            reply.flush();
        } catch (IOException e) {
            // the caller went away: nobody is left to answer
        }
    }

    /** Runs the tool; an unknown one, or one this JDK lacks, exits 2 saying so, as a command that cannot start. */
    private static int run(String name, String[] toolArgs, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        Optional<ToolProvider> tool = TOOLS.contains(name) ? ToolProvider.findFirst(name) : Optional.empty();
        if (tool.isEmpty()) {
            e.println("jdktools: no tool " + name + " here (serves javac and javap)");
            return 2;
        }
        try {
            return tool.get().run(o, e, toolArgs);
        } catch (RuntimeException ex) {
            e.println("jdktools: " + name + " failed: " + ex);
            return 1;
        }
    }
}
