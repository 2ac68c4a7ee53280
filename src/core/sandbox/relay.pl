#!/usr/bin/perl
# Agent Policy sandbox relay: the sandbox's first process (bwrap starts it; it starts the agent).
#
# The same job as relay-main.ts, in Perl because Perl starts in a few milliseconds where Node
# takes tens (perl-base is essential on Debian and Ubuntu, and git depends on perl everywhere);
# the launcher falls back to relay-main.js where there is no perl.
#
# Inside, the network namespace has only its own loopback. The relay listens there on the
# ports the agent's tools expect (the broker's shell port, the egress proxy, forwarded model
# endpoints) and carries each connection to a Unix socket bound in from outside. It says
# `ready` on descriptor 3 once listening, starts the agent on `start`, passes `signal NAME` to
# the agent's process group, and reports `exit CODE`. Everything on the wire is hex, so any
# byte in a path, an argument or the environment passes unchanged.
#
# Arguments: --listen PORT HEXSOCKET | --forward PORT HEXHOST TARGETPORT HEXSOCKET
# Fails closed: any setup error exits 126 with why on stderr.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Socket::UNIX;
use IO::Select;
use POSIX qw(:sys_wait_h setsid);
use Errno qw(EAGAIN EINTR EWOULDBLOCK);

sub fail { print STDERR "agentpolicy: sandbox relay: $_[0]\n"; exit 126; }
sub unhex { return pack('H*', $_[0]); }

my (@listen, @forward);
while (@ARGV) {
  my $opt = shift @ARGV;
  if ($opt eq '--listen') { push @listen, { port => shift(@ARGV), socket => unhex(shift(@ARGV)) }; }
  elsif ($opt eq '--forward') { push @forward, { port => shift(@ARGV), host => unhex(shift(@ARGV)), tport => shift(@ARGV), socket => unhex(shift(@ARGV)) }; }
  else { fail("unknown argument $opt"); }
}

open(my $ctl, '+<&=', 3) or fail("no channel to the guard: $!");
$ctl->autoflush(1);
binmode($ctl);

# The agent's exit wakes the loop at once: SIGCHLD writes to a pipe the loop selects on.
pipe(my $wake_r, my $wake_w) or fail("cannot make a pipe: $!");
$wake_w->autoflush(1);
$wake_r->blocking(0);
$wake_w->blocking(0);
$SIG{CHLD} = sub { syswrite($wake_w, 'x') };

my $sel = IO::Select->new($ctl, $wake_r);
my %kind;     # fileno -> 'listen' | 'forward' | 'conn' | 'ctl'
my %cfg;      # listener fileno -> config
my %peer;     # conn fileno -> peer handle
my %out;      # conn fileno -> pending bytes to write to it
my %handle;   # fileno -> handle
my %waiting;  # forward upstream fileno -> { client => handle, head => bytes }

$kind{fileno($ctl)} = 'ctl';
$kind{fileno($wake_r)} = 'wake';

sub listener {
  my ($port, $addr) = @_;
  my $s = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port, Listen => 128, ReuseAddr => 1, Proto => 'tcp');
  return $s;
}

for my $l (@listen, @forward) {
  my $s = listener($l->{port}, '127.0.0.1') or fail("cannot listen on 127.0.0.1:$l->{port}: $!");
  $s->blocking(0);
  $sel->add($s);
  $kind{fileno($s)} = exists $l->{host} ? 'forward' : 'listen';
  $cfg{fileno($s)} = $l;
  $handle{fileno($s)} = $s;
}

sub drop {
  my ($h) = @_;
  return unless $h;
  my $fd = fileno($h);
  return unless defined $fd;
  my $p = $peer{$fd};
  $sel->remove($h);
  delete $peer{$fd}; delete $out{$fd}; delete $kind{$fd}; delete $handle{$fd}; delete $waiting{$fd};
  close($h);
  if ($p && defined fileno($p)) {
    my $pfd = fileno($p);
    # Let what is pending reach the other side before closing it.
    if (length($out{$pfd} // '')) { syswrite($p, $out{$pfd}); }
    $sel->remove($p);
    delete $peer{$pfd}; delete $out{$pfd}; delete $kind{$pfd}; delete $handle{$pfd}; delete $waiting{$pfd};
    close($p);
  }
}

sub pair {
  my ($a, $b) = @_;
  $a->blocking(0); $b->blocking(0);
  for my $h ($a, $b) { $sel->add($h); $kind{fileno($h)} = 'conn'; $handle{fileno($h)} = $h; $out{fileno($h)} = ''; }
  $peer{fileno($a)} = $b;
  $peer{fileno($b)} = $a;
}

sub send_to {
  my ($h, $data) = @_;
  my $fd = fileno($h);
  $out{$fd} .= $data;
  while (length $out{$fd}) {
    my $n = syswrite($h, $out{$fd});
    if (!defined $n) { return 1 if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR; return 0; }
    substr($out{$fd}, 0, $n) = '';
  }
  return 1;
}

my $child;
my $ctlbuf = '';
my (@argv, @env, $cwd);

sub start_agent {
  my $pid = fork();
  fail("cannot fork: $!") unless defined $pid;
  if ($pid == 0) {
    # Its own session and process group (signals from the person reach what it runs), nothing
    # of the relay's: every descriptor above stderr closed, the environment it was given.
    setsid();
    opendir(my $d, '/proc/self/fd');
    my @fds = grep { /^\d+$/ && $_ > 2 } readdir($d);
    closedir($d);
    POSIX::close($_) for @fds;
    chdir($cwd) or do { print STDERR "agentpolicy: cannot enter $cwd: $!\n"; POSIX::_exit(127); };
    %ENV = ();
    for my $kv (@env) { my ($k, $v) = split(/=/, $kv, 2); $ENV{$k} = $v if defined $v; }
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    print STDERR "agentpolicy: cannot start $argv[0]: $!\n";
    POSIX::_exit(127);
  }
  $child = $pid;
}

sub on_control_line {
  my ($line) = @_;
  if ($line =~ /^arg ([0-9a-f]*)$/) { push @argv, unhex($1); }
  elsif ($line =~ /^env ([0-9a-f]*)$/) { push @env, unhex($1); }
  elsif ($line =~ /^cwd ([0-9a-f]*)$/) { $cwd = unhex($1); }
  elsif ($line eq 'start') { start_agent() if !$child && @argv && defined $cwd; }
  elsif ($line =~ /^signal ([A-Z0-9]+)$/) {
    my $sig = $1; $sig =~ s/^SIG//;
    if ($child) { kill($sig, -$child) or kill($sig, $child); }
  }
}

sub finish {
  my ($status) = @_;
  my $code = WIFEXITED($status) ? WEXITSTATUS($status) : 128 + WTERMSIG($status);
  syswrite($ctl, "exit $code\n");
  exit $code;
}

syswrite($ctl, "ready\n") or fail("cannot tell the guard it is ready: $!");

my $HIGH = 4 << 20; # bytes pending towards one side before reading from the other pauses

for (;;) {
  if ($child) {
    my $r = waitpid($child, WNOHANG);
    finish($?) if $r == $child;
  }
  # Read from a connection only while its peer is not far behind; write where bytes are pending.
  my $rsel = IO::Select->new();
  my $wsel = IO::Select->new();
  for my $h ($sel->handles) {
    my $fd = fileno($h);
    next unless defined $fd;
    my $p = $peer{$fd};
    $rsel->add($h) unless $p && length($out{fileno($p)} // '') > $HIGH;
    $wsel->add($h) if length($out{$fd} // '');
  }
  my ($rr, $ww) = IO::Select->select($rsel, $wsel, undef, 1);
  for my $h (@{ $ww // [] }) {
    my $fd = fileno($h);
    next unless defined $fd && $handle{$fd};
    drop($h) unless send_to($h, '');
  }
  my @ready = @{ $rr // [] };
  for my $h (@ready) {
    my $fd = fileno($h);
    next unless defined $fd && exists $kind{$fd};
    my $k = $kind{$fd};
    if ($k eq 'wake') {
      sysread($wake_r, my $drain, 512);
      next;
    }
    if ($k eq 'ctl') {
      my $n = sysread($ctl, my $buf, 65536);
      if (!$n) {
        # The guard went away: nothing inside may outlive it.
        kill('KILL', -$child) if $child;
        exit 126;
      }
      $ctlbuf .= $buf;
      while ($ctlbuf =~ s/^([^\n]*)\n//) { on_control_line($1); }
    } elsif ($k eq 'listen') {
      my $c = $h->accept() or next;
      my $up = IO::Socket::UNIX->new(Peer => $cfg{$fd}{socket}, Type => SOCK_STREAM);
      if (!$up) { close($c); next; }
      pair($c, $up);
    } elsif ($k eq 'forward') {
      my $c = $h->accept() or next;
      my $f = $cfg{$fd};
      my $up = IO::Socket::UNIX->new(Peer => $f->{socket}, Type => SOCK_STREAM);
      if (!$up) { close($c); next; }
      print $up "CONNECT $f->{host}:$f->{tport} HTTP/1.1\r\nHost: $f->{host}:$f->{tport}\r\n\r\n";
      $up->blocking(0);
      $sel->add($up);
      $kind{fileno($up)} = 'waiting';
      $handle{fileno($up)} = $up;
      $waiting{fileno($up)} = { client => $c, head => '' };
    } elsif ($k eq 'waiting') {
      my $w = $waiting{$fd};
      my $n = sysread($h, my $buf, 65536);
      if (!$n) { close($w->{client}); $sel->remove($h); delete $kind{$fd}; delete $waiting{$fd}; close($h); next; }
      $w->{head} .= $buf;
      my $end = index($w->{head}, "\r\n\r\n");
      if ($end < 0) {
        if (length($w->{head}) > 8192) { close($w->{client}); $sel->remove($h); delete $kind{$fd}; delete $waiting{$fd}; close($h); }
        next;
      }
      my $head = substr($w->{head}, 0, $end);
      my $rest = substr($w->{head}, $end + 4);
      $sel->remove($h); delete $kind{$fd}; delete $waiting{$fd};
      if ($head !~ m{^HTTP/1\.[01] 200}) {
        # Refused by the proxy (it audited why): say so, close.
        my ($why) = $head =~ /X-Agentpolicy-Reason: ([^\r\n]*)/;
        print STDERR 'agentpolicy: ' . ($why // 'connection refused by the guard') . "\n";
        close($w->{client}); close($h);
        next;
      }
      pair($w->{client}, $h);
      send_to($w->{client}, $rest) if length $rest;
    } elsif ($k eq 'conn') {
      my $p = $peer{$fd};
      my $n = sysread($h, my $buf, 65536);
      if (!defined $n) { next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR; drop($h); next; }
      if ($n == 0) { drop($h); next; }
      drop($h) unless send_to($p, $buf);
    }
  }
}
