namespace Loadgen; public static class Report { public static int Print(string d) => 0; }
